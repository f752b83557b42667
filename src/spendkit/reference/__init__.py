"""What the world knows: the ONS Postcode Directory, districts and places, supplier files,
the public registers and the sector rules."""
