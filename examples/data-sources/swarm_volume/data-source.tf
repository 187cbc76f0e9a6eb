# A volume made outside this configuration on the engine the provider talks to (volumes belong
# to one engine: there is no swarm-wide volume ID).
data "swarm_volume" "pgdata" {
  name = "shop_pgdata"
}

output "pgdata_mountpoint" {
  value = data.swarm_volume.pgdata.mountpoint
}
