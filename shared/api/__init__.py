"""The HTTP surface every function shares: the route table, request/response models, plumbing."""
