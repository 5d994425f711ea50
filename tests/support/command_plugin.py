"""A plugin that adds commands of its own (``ganbench_add_commands``): one plain, one with `run`'s data options."""

from ganbench import hookimpl
from ganbench.errors import UsageError


def greet(args, context):
    if not args.name:
        raise UsageError("greet: give a --name")
    print(f"hello {args.name} (cache {context.cache_dir}, device {context.device})")
    return args.code


def data_size(args, context):
    dataset = context.load_dataset(args.dataset)
    print(f"{dataset.name}: {len(dataset)} samples on {dataset.x.device}, root {args.data_root}")


@hookimpl
def ganbench_add_commands(commands):
    greeting = commands.add("greet", help="say hello", run=greet)
    greeting.add_argument("--name", default="")
    greeting.add_argument("--code", type=int, default=0)
    sizes = commands.add("data-size", help="how many samples a data set has", run=data_size, data=True)
    sizes.add_argument("dataset")
