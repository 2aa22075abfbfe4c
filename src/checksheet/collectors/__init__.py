"""All I/O that gathers evidence: AWS APIs (aws/), Linux hosts (host/).

Collectors read and describe; they never decide pass or fail.
"""
