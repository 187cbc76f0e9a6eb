# By node ID or hostname.
terraform import swarm_node.db worker1
