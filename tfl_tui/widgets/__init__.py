"""The dashboard's widgets and screens: they render state and dispatch keys, nothing more."""
