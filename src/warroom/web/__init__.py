"""The HTTP face of warroom: error rendering, the live event stream and the dashboard."""
