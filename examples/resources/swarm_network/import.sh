# A network is imported by its ID or its name.
terraform import swarm_network.backend shop_backend
