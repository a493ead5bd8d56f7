"""One router per part of the cycle; each route calls the services and renders a template."""
