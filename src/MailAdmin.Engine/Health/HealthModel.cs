using System;
using System.Collections.Generic;

namespace MailAdmin.Health;

/// <summary>The services Test-MailServer checks; each has its own default port.</summary>
public enum MailServiceKind
{
    Smtp,
    Submission,
    Smtps,
    Imap,
    Imaps,
    Pop3,
    Pop3s,
}

public enum CheckStatus
{
    Pass,
    Warning,
    Fail,
}

/// <summary>One check of a target: what was checked, how it went, how long it took, and why.</summary>
public sealed class MailServerCheck
{
    public MailServerCheck(string name, CheckStatus status, TimeSpan elapsed, string detail)
    {
        Name = name;
        Status = status;
        Elapsed = elapsed;
        Detail = detail;
    }

    public string Name { get; }
    public CheckStatus Status { get; }
    public TimeSpan Elapsed { get; }
    public string Detail { get; }

    public override string ToString() => $"{Name}: {Status} ({Detail})";
}

/// <summary>The server certificate as the check saw it.</summary>
public sealed class ServerCertificateInfo
{
    public string Subject { get; internal set; } = "";
    public string Issuer { get; internal set; } = "";
    public string[] SubjectAlternativeNames { get; internal set; } = new string[0];
    public DateTime NotBefore { get; internal set; }
    public DateTime NotAfter { get; internal set; }
    public int DaysToExpiry { get; internal set; }
    public string Thumbprint { get; internal set; } = "";
    public bool NameMatches { get; internal set; }
    public bool ChainValid { get; internal set; }
    /// <summary>Why the chain did not validate (UntrustedRoot, NotTimeValid, ...); empty when it did.</summary>
    public string[] ChainErrors { get; internal set; } = new string[0];

    public override string ToString() => $"{Subject} (expires {NotAfter:yyyy-MM-dd}, {DaysToExpiry} days)";
}

/// <summary>What Test-MailServer returns for one target and protocol.</summary>
public sealed class MailServerHealth
{
    private readonly List<MailServerCheck> _checks = new List<MailServerCheck>();

    public MailServerHealth(string target, MailServiceKind protocol, int port)
    {
        Target = target;
        Protocol = protocol;
        Port = port;
    }

    public string Target { get; }
    public MailServiceKind Protocol { get; }
    public int Port { get; }

    /// <summary>The worst status of the checks.</summary>
    public CheckStatus Status
    {
        get
        {
            var worst = CheckStatus.Pass;
            foreach (var check in _checks)
                if (check.Status > worst) worst = check.Status;
            return worst;
        }
    }

    /// <summary>Where it failed, in swaks' words (connect, banner, ehlo, tls, auth, mail, rcpt, data); empty when nothing failed.</summary>
    public string Stage { get; internal set; } = "";

    /// <summary>Time to connect (TCP), the network's share of every exchange.</summary>
    public TimeSpan? Latency { get; internal set; }

    /// <summary>With -RoundTrip: from sending the probe to finding it in the mailbox.</summary>
    public TimeSpan? RoundTripLatency { get; internal set; }

    /// <summary>Time from connect to the end of the last check.</summary>
    public TimeSpan Elapsed { get; internal set; }

    public IReadOnlyList<MailServerCheck> Checks => _checks;
    public ServerCertificateInfo? Certificate { get; internal set; }
    public string[] Capabilities { get; internal set; } = new string[0];
    public string[] AuthenticationMechanisms { get; internal set; } = new string[0];
    public string? Banner { get; internal set; }
    public string? TlsProtocol { get; internal set; }
    public string? TlsCipher { get; internal set; }
    /// <summary>The conversation, with passwords and their encodings replaced by asterisks.</summary>
    public string[] Transcript { get; internal set; } = new string[0];
    public DateTimeOffset Timestamp { get; } = DateTimeOffset.Now;

    internal void Add(MailServerCheck check) => _checks.Add(check);

    /// <summary>Records a failing check and the stage it failed at (the first failure names the stage).</summary>
    internal void Fail(string stage, string check, TimeSpan elapsed, string detail)
    {
        Add(new MailServerCheck(check, CheckStatus.Fail, elapsed, detail));
        if (Stage.Length == 0) Stage = stage;
    }

    public override string ToString() => $"{Target}:{Port} {Protocol} {Status}";
}
