"""What a function's code runs in outside Lambda: the real runtime client and the SDK that
Lambda's runtimes carry (client), and the built package unpacked read-only as /var/task
(unpack). Used by the build (routes read from the code) and by the local runs."""
