"""The web console: its build (Node, at install or in the background of `rectify run`) and its serving at /console/."""
