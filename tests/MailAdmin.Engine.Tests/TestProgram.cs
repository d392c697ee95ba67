namespace MailAdmin.Engine.Tests;

/// <summary>
/// Entry point of the test assembly when a test starts it as a child process
/// (<c>dotnet MailAdmin.Engine.Tests.dll &lt;role&gt; ...</c>). The test runner never calls it.
/// </summary>
public static class TestProgram
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == Store.StoreCrashTests.WriterRole)
            return Store.StoreCrashTests.RunWriter(args.Skip(1).ToArray()).GetAwaiter().GetResult();
        if (args.Length > 0 && args[0] == Store.TransferCrashTests.ChildRole)
            return Store.TransferCrashTests.RunChild(args.Skip(1).ToArray()).GetAwaiter().GetResult();
        if (args.Length > 0 && args[0] == Delivery.QueueCrashTests.ChildRole)
            return Delivery.QueueCrashTests.RunChild(args.Skip(1).ToArray()).GetAwaiter().GetResult();
        if (args.Length > 0 && args[0] == Store.FlagCrashTests.ChildRole)
            return Store.FlagCrashTests.RunChild(args.Skip(1).ToArray()).GetAwaiter().GetResult();
        Console.Error.WriteLine("This is a test assembly; run it with dotnet test.");
        return 2;
    }
}
