using MailAdmin.Fuzz;
using SharpFuzz;

// Usage:
//   MailAdmin.Fuzz <target>                  under afl-fuzz (persistent mode, input on stdin)
//   MailAdmin.Fuzz <target> <file|dir>...    replay inputs (a crash or hang found by AFL, a corpus)
//   MailAdmin.Fuzz --list                    the target names
if (args.Length == 0 || args[0] == "--list")
{
    foreach (var name in FuzzTargets.All.Keys) Console.WriteLine(name);
    return args.Length == 0 ? 2 : 0;
}
if (!FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"Unknown target '{args[0]}'. Targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}
if (args.Length == 1)
{
    Fuzzer.Run(stream =>
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        target(copy.ToArray());
    });
    return 0;
}
return Replay.Run(target, args.Skip(1));
