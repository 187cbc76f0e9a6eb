# A volume on the engine the provider talks to.
resource "swarm_volume" "cache" {
  name = "shop_cache"
  labels = {
    stack = "shop"
  }
}

# An NFS share as a local volume: every node that mounts it sees the same data.
resource "swarm_volume" "uploads" {
  name   = "shop_uploads"
  driver = "local"
  driver_opts = {
    type   = "nfs"
    o      = "addr=10.0.0.5,rw,nfsvers=4"
    device = ":/exports/uploads"
  }
}

# A volume on the node that runs the database, through its own connection.
resource "swarm_volume" "db_data" {
  name = "shop_db_data"
  engine {
    host     = "ssh://ops@db1.example.com"
    ssh_opts = ["-o", "StrictHostKeyChecking=yes"]
  }
}
