"""`start-api` and `start-lambda`: the project's functions served on 127.0.0.1, warm."""

from __future__ import annotations

import inspect
import signal

import click

from .options import Context, env_option, function_names, layer_option, run_image_options, target_options

_SHARED_HELP = """
    Builds first (incrementally, as `build`), then keeps one warm runtime per
    function (a second one when requests to it overlap, up to 4; then they
    queue). An edit under functions/, in Pipfile.lock, terraform/*.tf or
    terraform/env/*.tfvars rebuilds and restarts only the functions whose code identity or settings
    changed; a rebuild that fails is one line, and the previous build keeps
    serving. Each request is one line on stderr, with the functions' own logs
    (START, END, REPORT); Ctrl-C stops it.
"""


def _server_options(default_port: int):
    def decorate(f):
        for option in reversed([
            click.option("--port", type=click.IntRange(0, 65535), default=default_port, show_default=True,
                         help="Port on 127.0.0.1 (0: any free port; the address is printed)."),
            env_option("Environment variable for every function, over the .tf's values (repeatable)."),
            click.option("--no-build", is_flag=True, help="Serve terraform/dists.zip as it is."),
            click.option("--no-watch", is_flag=True, help="Do not rebuild when the code changes."),
            click.option("--debug-port", type=click.IntRange(1, 65535), metavar="PORT",
                         help="Run --debug-function under debugpy on 127.0.0.1:PORT (one runtime; its first "
                              "request waits for your editor to attach; docs/debugging.md)."),
            click.option("--debug-function", metavar="NAME", shell_complete=function_names,
                         help="The function --debug-port debugs (start-api: required; start-lambda: its NAME "
                              "by default)."),
        ]):
            f = option(f)
        return layer_option(run_image_options(target_options(f)))
    return decorate


def _stop(signum, frame) -> None:
    """Stopped by a signal as by Ctrl-C: the runtimes stop with the server, none left behind."""
    raise KeyboardInterrupt


def _run(obj: Context, handler_name: str, port, env, no_build, no_watch, debug_port, debug_function, layer, image,
         base_image, runtime, arch, allow_unhashed, describe, only: str | None = None) -> None:
    from ..errors import UsageError
    from ..local import servers
    from ..local.served import LocalFunctions, ServeOptions

    debug_function = debug_function or (only if debug_port else None)
    if debug_port and not debug_function:
        raise UsageError("--debug-port: name the function to debug (--debug-function NAME)")
    if debug_function and not debug_port:
        raise UsageError("--debug-function goes with --debug-port PORT")
    if only and debug_function and debug_function != only:
        raise UsageError(f"--debug-function {debug_function}: start-lambda {only} serves only {only}; debug it, "
                         "or serve every function (start-lambda without NAME)")
    if debug_port:
        from ..local.debug import check_port

        check_port(debug_port, port)
    signal.signal(signal.SIGTERM, _stop)
    options = ServeOptions(build=not no_build, watch=not no_watch, layer=layer, image=image, base_image=base_image,
                           env=dict(env), only=only, debug_port=debug_port, debug_function=debug_function)
    server = servers.listen(port)
    try:
        functions = LocalFunctions(lambda: obj.inputs(runtime, arch, allow_unhashed), options, obj.reporter())
    except BaseException:
        server.server_close()
        raise

    def ready(address: str) -> None:
        for line in describe(functions, address):
            click.echo(line)

    servers.serve(server, functions, getattr(servers, handler_name), ready)


@click.command("start-api")
@_server_options(3000)
@click.pass_obj
def start_api(obj: Context, port, env, no_build, no_watch, debug_port, debug_function, layer, image, base_image,
              runtime, arch, allow_unhashed) -> None:
    """Serve the project's API routes on 127.0.0.1 from the built package.

    Routes come from terraform/openapi.json (the REST API the resolvers
    describe: payload 1.0 events) and from each .tf's http_routes (the HTTP
    API: payload 2.0). A request becomes the proxy event API Gateway sends, the
    function's result the response it returns (status, headers, multi-value
    headers, cookies, base64 bodies). An unknown route is API Gateway's 403
    (a REST API) or 404; a function error or timeout is a 502.
    """
    def describe(functions, address):
        yield f"serving {len(functions.routes)} routes on {address}"
        for route in functions.routes:
            yield f"  {route.method:7} {address}{'/*' if route.path == '$default' else route.path}  ->  " \
                  f"{route.function} ({'REST' if route.kind == 'rest' else 'HTTP API'})"

    _run(obj, "ApiHandler", port, env, no_build, no_watch, debug_port, debug_function, layer, image, base_image, runtime,
         arch, allow_unhashed, describe)


@click.command("start-lambda")
@click.argument("name", required=False, shell_complete=function_names)
@_server_options(3001)
@click.pass_obj
def start_lambda(obj: Context, name, port, env, no_build, no_watch, debug_port, debug_function, layer, image,
                 base_image, runtime, arch, allow_unhashed) -> None:
    """Serve Lambda's Invoke API on 127.0.0.1 for the project's functions (NAME: that one alone).

    `POST /2015-03-31/functions/NAME/invocations`, NAME being the function's
    name in functions/ (or its deployed name or ARN), as boto3 calls it with
    endpoint_url=http://127.0.0.1:3001: RequestResponse, Event (202, run in
    the background) and DryRun; LogType Tail returns the log's last 4 KB; a
    function error is X-Amz-Function-Error: Unhandled with Lambda's error shape.
    Serving one function, /2015-03-31/functions/function/invocations reaches it,
    as with the Runtime Interface Emulator.
    """
    def describe(functions, address):
        count = len(functions.pool.names())
        yield f"serving {count} function{'s' * (count != 1)} on {address}"
        for served in functions.pool.names():
            yield f"  {served}: {address}/2015-03-31/functions/{served}/invocations"

    _run(obj, "LambdaHandler", port, env, no_build, no_watch, debug_port, debug_function, layer, image, base_image,
         runtime, arch, allow_unhashed, describe, only=name)


start_api.help = inspect.cleandoc(start_api.help) + "\n\n" + inspect.cleandoc(_SHARED_HELP)
start_lambda.help = inspect.cleandoc(start_lambda.help) + "\n\n" + inspect.cleandoc(_SHARED_HELP)
COMMANDS = (start_api, start_lambda)
