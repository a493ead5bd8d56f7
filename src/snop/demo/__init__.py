"""A generated demo company to try snop with, without any data of your own."""
