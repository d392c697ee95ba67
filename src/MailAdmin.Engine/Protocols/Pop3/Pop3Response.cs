using System;

namespace MailAdmin.Protocols.Pop3;

/// <summary>What the host does after a command.</summary>
public enum Pop3Action
{
    /// <summary>Read the next command.</summary>
    None,
    /// <summary>The next line is a SASL response (after "+ "), not a command.</summary>
    ReadSaslResponse,
    /// <summary>Send what was written, then run the TLS handshake (STLS).</summary>
    StartTls,
    /// <summary>Send what was written, then close the connection.</summary>
    Close,
}

/// <summary>The result of one command. The reply bytes themselves were appended to the output buffer
/// given to the session; this says what to do next and what to log.</summary>
public readonly struct Pop3Response
{
    public Pop3Response(string statusLine, Pop3Action action = Pop3Action.None, TimeSpan delay = default, long bodyBytes = -1)
    {
        StatusLine = statusLine;
        Action = action;
        Delay = delay;
        BodyBytes = bodyBytes;
    }

    /// <summary>The first line of the reply (+OK/-ERR/+), without CRLF: for the log.</summary>
    public string StatusLine { get; }
    public Pop3Action Action { get; }
    /// <summary>Wait this long before sending (after a failed authentication).</summary>
    public TimeSpan Delay { get; }
    /// <summary>Bytes of the multi-line body that followed the status line, or -1 for a single-line reply.</summary>
    public long BodyBytes { get; }
    public bool IsOk => StatusLine.StartsWith("+OK", StringComparison.Ordinal);

    public override string ToString() => BodyBytes < 0 ? StatusLine : StatusLine + " <" + BodyBytes + " bytes follow>";
}
