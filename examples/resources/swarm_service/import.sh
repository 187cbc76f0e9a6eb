# A service can be imported by its ID or by its name.
terraform import swarm_service.api shop_api
