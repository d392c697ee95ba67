using System.Diagnostics;
using Xunit;

namespace MailAdmin.Engine.Tests.DnsChecks;

/// <summary>
/// A throw-away dnsmasq on loopback that answers only from the records given (dnsmasq
/// configuration lines such as "mx-host=example.test,mx.example.test,10"); names under .test
/// that it does not define get NXDOMAIN. The xunit twin of tests/DnsTestHelpers.ps1.
/// </summary>
public sealed class DnsPeer : IDisposable
{
    private readonly Process _process;
    private readonly string _conf;

    private DnsPeer(Process process, string conf, int port)
    {
        _process = process;
        _conf = conf;
        Server = $"127.0.0.1:{port}";
    }

    /// <summary>The "address:port" to give MailDnsResolver.</summary>
    public string Server { get; }

    public static string? Program =>
        new[] { "/usr/sbin/dnsmasq" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "dnsmasq")))
            .FirstOrDefault(File.Exists);

    public static DnsPeer Start(params string[] records)
    {
        var conf = Path.Combine(Path.GetTempPath(), $"mailadmin-xunit-dnsmasq-{Environment.ProcessId}-{Guid.NewGuid():n}.conf");
        File.WriteAllLines(conf, records);
        var error = "";
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = Random.Shared.Next(40000, 49000);
            var start = new ProcessStartInfo(Program ?? throw new InvalidOperationException("dnsmasq is not installed"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            foreach (var a in new[] { "--no-resolv", "--no-hosts", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
                         "--keep-in-foreground", "--pid-file=", "--cache-size=0", $"--conf-file={conf}", "--local=/test/" })
                start.ArgumentList.Add(a);
            var process = Process.Start(start)!;
            // dnsmasq binds at once; one that is still running after a moment is serving.
            if (!process.WaitForExit(400)) return new DnsPeer(process, conf, port);
            error = process.StandardError.ReadToEnd();
            process.Dispose();
            if (!error.Contains("in use")) break;
        }
        File.Delete(conf);
        throw new InvalidOperationException("dnsmasq did not start: " + error);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(2000);
        }
        _process.Dispose();
        File.Delete(_conf);
    }
}

/// <summary>A fact skipped, with the reason, where dnsmasq is not installed.</summary>
public sealed class DnsmasqFactAttribute : FactAttribute
{
    public DnsmasqFactAttribute()
    {
        if (DnsPeer.Program == null) Skip = "dnsmasq is not installed (apt-get install dnsmasq-base)";
    }
}
