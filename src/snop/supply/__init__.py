"""Supply review: inventory policy, rough-cut capacity and the supply plan."""
