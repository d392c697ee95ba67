using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using MailAdmin.Protocols.Imap;

namespace MailAdmin.Hosting;

public enum ImapListenerMode
{
    /// <summary>Port 143 style: clear text, STARTTLS offered when a certificate is set; LOGINDISABLED until TLS unless AllowInsecureAuth.</summary>
    Imap,
    /// <summary>RFC 8314 implicit TLS (port 993 style).</summary>
    Imaps,
}

public sealed class ImapListenerOptions : ListenerOptions<ImapListenerMode>
{
    public ImapListenerOptions() { }
    public ImapListenerOptions(ImapListenerMode mode, int port, IPAddress? address = null) : base(mode, port, address) { }
}

/// <summary>Options of an <see cref="ImapServer"/>. Defaults are safe (loopback, plain-text login only over TLS).
/// The idle timeout is RFC 3501 §5.4's 30-minute autologout (it also bounds IDLE); a client must log in within a minute.</summary>
public sealed class ImapServerOptions : ServerOptions<ImapListenerMode>
{
    public ImapServerOptions() : base(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1), maxConnections: 200, maxConnectionsPerAddress: 50) { }

    /// <summary>XOAUTH2 bearer tokens by account address (a lab stand-in for an OAuth provider); XOAUTH2 is offered only when set.</summary>
    public IDictionary<string, string>? BearerTokens { get; set; }
    /// <summary>APPENDLIMIT: the largest message APPEND takes, refused before the '+' ([TOOBIG]). Default 25 MiB.</summary>
    public long AppendLimit { get; set; } = 25 * 1024 * 1024;
    /// <summary>A command line (between literals), CRLF included. Default 64 KiB.</summary>
    public int MaxLineLength { get; set; } = 64 * 1024;
    /// <summary>A literal of any command but APPEND. Default 64 KiB.</summary>
    public int MaxLiteralSize { get; set; } = 64 * 1024;
    /// <summary>Nesting depth of parenthesised lists. Default 16.</summary>
    public int MaxNestingDepth { get; set; } = 16;
    /// <summary>Invalid commands before login after which the server says BYE. Default 10.</summary>
    public int MaxErrorsBeforeLogin { get; set; } = 10;
    /// <summary>Simultaneous sessions logged in to one account (an account's POP3 session counts too); more get NO [LIMIT] at login. Default 20.</summary>
    public int MaxConnectionsPerAccount { get; set; } = 20;

    internal override void Validate()
    {
        base.Validate();
        if (Listeners.Any(l => l.Mode == ImapListenerMode.Imaps) && Certificate == null)
            throw new ArgumentException("An IMAPS listener needs a certificate.");
        if (Certificate == null && !AllowInsecureAuth)
            throw new ArgumentException("Nobody could log in: set a certificate (STARTTLS/IMAPS) or AllowInsecureAuth.");
        if (MaxConnectionsPerAccount < 1) throw new ArgumentException("MaxConnectionsPerAccount must be at least 1.");
    }

    internal ImapParserLimits CreateParserLimits() => new()
    {
        MaxLineLength = MaxLineLength,
        MaxAppendLiteral = AppendLimit,
        MaxOtherLiteral = MaxLiteralSize,
        MaxNestingDepth = MaxNestingDepth,
    };
}
