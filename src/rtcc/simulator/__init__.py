"""The what-if simulator (issue 13): replays a city's calls against its units under a scenario, dispatching with the
live recommendation, and checks itself against unseen weeks of history."""
