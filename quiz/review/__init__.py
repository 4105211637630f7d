"""The review wing (述职评议): review items, the sealed vote and its anonymous ballots, paper tallies,
commitments.

Reads the live and roster wings."""
