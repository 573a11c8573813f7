// placeholder: not implemented yet
