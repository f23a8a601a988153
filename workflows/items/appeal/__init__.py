"""The formal 59-ФЗ path of an appeal: registration, forwarding, ст. 11 outcomes, sign-off."""
