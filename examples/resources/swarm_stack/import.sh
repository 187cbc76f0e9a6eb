# A stack is imported by its name (the namespace given to `docker stack deploy`). With the same
# compose files configured, the next plan is empty.
terraform import swarm_stack.shop shop
