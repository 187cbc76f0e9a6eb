# A volume of the provider's engine is imported by its name.
terraform import swarm_volume.cache shop_cache

# A volume of another engine: <host>|<name>. Put the same host (and any TLS or ssh settings)
# in the resource's engine block.
terraform import 'swarm_volume.db_data' 'ssh://ops@db1.example.com|shop_db_data'
