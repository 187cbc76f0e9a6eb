# By the Engine ID of a version, or by the logical name (the newest version made by the provider,
# or a secret made elsewhere with exactly that name).
terraform import swarm_secret.db_password shop_db_password
