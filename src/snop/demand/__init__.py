"""Demand review: profile, statistical forecast, consensus, accuracy (pure core)."""
