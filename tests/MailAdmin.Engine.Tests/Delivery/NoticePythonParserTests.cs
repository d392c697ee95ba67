using System.Diagnostics;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using Xunit;
using static MailAdmin.Engine.Tests.Delivery.NoticeBuilderTests;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// A second, independent reader of our notices: Python's email package parses a notice as a
/// multipart/report whose message/delivery-status part holds one header block per group.
/// </summary>
public sealed class NoticePythonParserTests
{
    private sealed class ToolFactAttribute : FactAttribute
    {
        public ToolFactAttribute(string tool) { if (FindTool(tool) == null) Skip = tool + " not found on PATH"; }
    }

    private static string? FindTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    [ToolFact("python3")]
    public async Task PythonReadsTheNoticeAsAMultipartReport()
    {
        var notice = DeliveryStatusNotice.Build(NoticeKind.Failure, Message(envid: "env-7", ret: DsnReturn.Full),
            new[] { Recipient("bob@remote.test", "550 5.1.1 user unknown", orcpt: "rfc822;bob@remote.test"), Recipient("carol@remote.test", "554 no") },
            Original(), "mx.example.com", TimeSpan.FromDays(5), Now);
        string script = string.Join("\n",
            "import sys, email",
            "from email import policy",
            "m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.compat32)",
            "print('type', m.get_content_type(), m.get_param('report-type'))",
            "print('auto', m['Auto-Submitted'])",
            "parts = m.get_payload()",
            "print('parts', ' '.join(p.get_content_type() for p in parts))",
            "groups = parts[1].get_payload()",
            "print('envid', groups[0]['Original-Envelope-Id'])",
            "for g in groups[1:]:",
            "    print('rcpt', g['Final-Recipient'], '|', g['Status'], '|', g['Action'], '|', g['Diagnostic-Code'])",
            "print('original', parts[2].get_payload()[0]['Subject'])",
            "print('defects', len(m.defects) + sum(len(p.defects) for p in m.walk()))");
        var psi = new ProcessStartInfo(FindTool("python3")!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.StandardInput.BaseStream.WriteAsync(notice.Content, cts.Token);
        p.StandardInput.Close();
        string stdout = await p.StandardOutput.ReadToEndAsync(cts.Token);
        string stderr = await p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);

        Assert.True(p.ExitCode == 0, "python failed: " + stderr);
        var lines = stdout.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[]
        {
            "type multipart/report delivery-status",
            "auto auto-replied",
            "parts text/plain message/delivery-status message/rfc822",
            "envid env-7",
            "rcpt rfc822; bob@remote.test | 5.1.1 | failed | smtp; 550 5.1.1 user unknown",
            "rcpt rfc822; carol@remote.test | 5.0.0 | failed | smtp; 554 no",
            "original Quarterly numbers",
            "defects 0",
        }, lines);
    }
}
