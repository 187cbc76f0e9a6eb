# By node ID or hostname. The engine block and join settings come from the configuration.
terraform import 'swarm_join.worker["worker1"]' worker1
