using System.Collections.Generic;

namespace MailAdmin.Protocols.Smtp;

public enum SmtpCommandKind
{
    /// <summary>The line could not be parsed; <see cref="SmtpCommand.Error"/> holds the reply.</summary>
    Invalid,
    Helo, Ehlo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Vrfy, Expn, Help, StartTls, Auth,
    /// <summary>SEND, SOML, SAML, TURN: obsolete, answered 502.</summary>
    Obsolete,
    /// <summary>A verb we do not know: 500.</summary>
    Unknown,
}

/// <summary>An ESMTP parameter (RFC 5321 esmtp-param): keyword, optional value.</summary>
public readonly struct SmtpParameter
{
    public SmtpParameter(string keyword, string? value) { Keyword = keyword; Value = value; }
    public string Keyword { get; }
    public string? Value { get; }
    public override string ToString() => Value == null ? Keyword : Keyword + "=" + Value;
}

/// <summary>One parsed command line. Fields beyond <see cref="Kind"/> are filled as the verb needs.</summary>
public sealed class SmtpCommand
{
    internal static readonly IReadOnlyList<SmtpParameter> NoParameters = new SmtpParameter[0];

    public SmtpCommandKind Kind { get; internal set; }
    /// <summary>The verb as sent, upper-cased.</summary>
    public string Verb { get; internal set; } = "";
    /// <summary>The whole argument text after the verb (HELO/EHLO domain, VRFY/HELP/NOOP string, AUTH mechanism).</summary>
    public string Argument { get; internal set; } = "";
    /// <summary>MAIL: reverse-path ("" for the null path &lt;&gt;); RCPT: forward-path mailbox.</summary>
    public string? Address { get; internal set; }
    /// <summary>True when the address contains non-ASCII characters (needs SMTPUTF8).</summary>
    public bool AddressIsUtf8 { get; internal set; }
    public IReadOnlyList<SmtpParameter> Parameters { get; internal set; } = NoParameters;
    /// <summary>BDAT chunk size.</summary>
    public long ChunkSize { get; internal set; }
    /// <summary>BDAT ... LAST.</summary>
    public bool IsLastChunk { get; internal set; }
    /// <summary>AUTH initial response (base64 or "="), null when none.</summary>
    public string? InitialResponse { get; internal set; }
    /// <summary>For <see cref="SmtpCommandKind.Invalid"/>: the reply to send.</summary>
    public SmtpReply? Error { get; internal set; }

    public override string ToString() => Verb + (Argument.Length > 0 ? " " + Argument : "");
}
