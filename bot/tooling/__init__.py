"""Developer tooling, not code that serves users.

The fake Bot API (`faketg`), its HTTP server (`faketg_server`), the harness that drives the real
Application through it as people with phones would (`harness`), and the benchmarks behind
`oss-bot bench` (`bench`). The tests use all of them; the console demo (`bot.demo`, a product
feature) runs on the fake and the harness. Nothing in the runtime path of `oss-bot run` imports
this package.
"""
