using System;
using System.Buffers;

namespace MailAdmin.Protocols.Smtp;

/// <summary>Turns one command line (without its line ending) into an <see cref="SmtpCommand"/>.
/// Syntax errors come back as <see cref="SmtpCommandKind.Invalid"/> with the reply to send; the
/// parser never throws for client input.</summary>
public static class SmtpCommandParser
{
    /// <summary>Decodes a line: ASCII fast path, strict UTF-8 otherwise; null when not valid UTF-8.</summary>
    public static string? DecodeLine(ReadOnlySpan<byte> line) => LineFramer.Decode(line);

    /// <summary>Bytes → command or "need more": frames one line off <paramref name="buffer"/> and
    /// parses it. Returns <see cref="SmtpLineStatus.NeedMore"/> (read more bytes and call again),
    /// <see cref="SmtpLineStatus.Line"/> with a command, or <see cref="SmtpLineStatus.TooLong"/>
    /// (answer 500 5.5.2). <paramref name="lines"/> carries the framing state between calls.</summary>
    public static SmtpLineStatus TryReadCommand(ref SmtpLineReader lines, ref ReadOnlySequence<byte> buffer, out SmtpCommand? command)
    {
        command = null;
        var status = lines.TryReadLine(ref buffer, out var line);
        if (status == SmtpLineStatus.Line) command = Parse(line);
        return status;
    }

    public static SmtpCommand Parse(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment) return Parse(line.First.Span);
        var rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(rented);
            return Parse(new ReadOnlySpan<byte>(rented, 0, (int)line.Length));
        }
        finally { ArrayPool<byte>.Shared.Return(rented); }
    }

    public static SmtpCommand Parse(ReadOnlySpan<byte> line)
    {
        string? text = DecodeLine(line);
        if (text == null) return Invalid("", new SmtpReply(500, "5.5.2", "Invalid UTF-8 in command"));
        return Parse(text);
    }

    public static SmtpCommand Parse(string text)
    {
        int sp = text.IndexOf(' ');
        string verb = (sp < 0 ? text : text.Substring(0, sp)).ToUpperInvariant();
        string arg = sp < 0 ? "" : text.Substring(sp + 1);
        var cmd = new SmtpCommand { Verb = verb, Argument = arg };
        switch (verb)
        {
            case "HELO": return Domain(cmd, SmtpCommandKind.Helo, arg);
            case "EHLO": return Domain(cmd, SmtpCommandKind.Ehlo, arg);
            case "MAIL": return MailOrRcpt(cmd, SmtpCommandKind.Mail, arg, "FROM:");
            case "RCPT": return MailOrRcpt(cmd, SmtpCommandKind.Rcpt, arg, "TO:");
            case "DATA": return NoArgument(cmd, SmtpCommandKind.Data, arg);
            case "RSET": return NoArgument(cmd, SmtpCommandKind.Rset, arg);
            case "QUIT": return NoArgument(cmd, SmtpCommandKind.Quit, arg);
            case "STARTTLS": return NoArgument(cmd, SmtpCommandKind.StartTls, arg);
            case "NOOP": cmd.Kind = SmtpCommandKind.Noop; return cmd;
            case "HELP": cmd.Kind = SmtpCommandKind.Help; return cmd;
            case "VRFY": return Required(cmd, SmtpCommandKind.Vrfy, arg);
            case "EXPN": return Required(cmd, SmtpCommandKind.Expn, arg);
            case "BDAT": return Bdat(cmd, arg);
            case "AUTH": return Auth(cmd, arg);
            case "SEND":
            case "SOML":
            case "SAML":
            case "TURN":
                cmd.Kind = SmtpCommandKind.Obsolete; return cmd;
            default:
                cmd.Kind = SmtpCommandKind.Unknown; return cmd;
        }
    }

    private static SmtpCommand Invalid(SmtpCommand cmd, SmtpReply reply)
    {
        cmd.Kind = SmtpCommandKind.Invalid;
        cmd.Error = reply;
        return cmd;
    }

    private static SmtpCommand Invalid(string verb, SmtpReply reply) => Invalid(new SmtpCommand { Verb = verb }, reply);

    private static SmtpCommand NoArgument(SmtpCommand cmd, SmtpCommandKind kind, string arg)
    {
        if (arg.Trim().Length > 0) return Invalid(cmd, new SmtpReply(501, "5.5.4", cmd.Verb + " takes no arguments"));
        cmd.Kind = kind;
        return cmd;
    }

    private static SmtpCommand Required(SmtpCommand cmd, SmtpCommandKind kind, string arg)
    {
        cmd.Argument = arg.Trim();
        if (cmd.Argument.Length == 0) return Invalid(cmd, new SmtpReply(501, "5.5.4", cmd.Verb + " needs an argument"));
        cmd.Kind = kind;
        return cmd;
    }

    private static SmtpCommand Domain(SmtpCommand cmd, SmtpCommandKind kind, string arg)
    {
        string domain = arg.Trim();
        if (domain.Length == 0) return Invalid(cmd, new SmtpReply(501, "5.5.4", cmd.Verb + " needs a domain or address literal"));
        // HELO/EHLO: Domain / address-literal. Allow '_' which real machines' names contain.
        if (domain.IndexOf(' ') >= 0 || !SmtpGrammar.IsDomainOrAddressLiteral(domain.Replace('_', 'x')))
            return Invalid(cmd, new SmtpReply(501, "5.5.4", "Invalid domain name"));
        cmd.Argument = domain;
        cmd.Kind = kind;
        return cmd;
    }

    private static SmtpCommand MailOrRcpt(SmtpCommand cmd, SmtpCommandKind kind, string arg, string prefix)
    {
        if (!arg.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return Invalid(cmd, new SmtpReply(501, "5.5.4", "Syntax: " + cmd.Verb + " " + prefix + "<address>"));
        int pos = prefix.Length;
        while (pos < arg.Length && arg[pos] == ' ') pos++;   // "MAIL FROM: <a@b>" is common; tolerate it
        string address;
        bool ok = kind == SmtpCommandKind.Mail
            ? SmtpGrammar.TryParseReversePath(arg, ref pos, out address)
            : SmtpGrammar.TryParseForwardPath(arg, ref pos, out address);
        if (!ok) return Invalid(cmd, SmtpReply.AddressSyntax);
        cmd.Address = address;
        foreach (char c in address) if (c >= 0x80) { cmd.AddressIsUtf8 = true; break; }
        if (pos < arg.Length)
        {
            if (arg[pos] != ' ') return Invalid(cmd, SmtpReply.AddressSyntax);
            while (pos < arg.Length && arg[pos] == ' ') pos++;
            if (pos < arg.Length)
            {
                if (!SmtpGrammar.TryParseEsmtpParams(arg, ref pos, out var parameters))
                    return Invalid(cmd, SmtpReply.ParameterSyntax);
                cmd.Parameters = parameters;
            }
        }
        cmd.Kind = kind;
        return cmd;
    }

    private static SmtpCommand Bdat(SmtpCommand cmd, string arg)
    {
        // bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF; chunk-size = 1*DIGIT; end-marker = "LAST"
        var parts = arg.Split(' ');
        if (parts.Length < 1 || parts.Length > 2 || parts[0].Length == 0 || parts[0].Length > 18)
            return Invalid(cmd, new SmtpReply(501, "5.5.4", "Syntax: BDAT <size> [LAST]"));
        long size = 0;
        foreach (char c in parts[0])
        {
            if (c < '0' || c > '9') return Invalid(cmd, new SmtpReply(501, "5.5.4", "Syntax: BDAT <size> [LAST]"));
            size = size * 10 + (c - '0');
        }
        if (parts.Length == 2)
        {
            if (!parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase))
                return Invalid(cmd, new SmtpReply(501, "5.5.4", "Syntax: BDAT <size> [LAST]"));
            cmd.IsLastChunk = true;
        }
        cmd.ChunkSize = size;
        cmd.Kind = SmtpCommandKind.Bdat;
        return cmd;
    }

    private static SmtpCommand Auth(SmtpCommand cmd, string arg)
    {
        // auth-command = "AUTH" SP sasl-mech [SP initial-response]; sasl-mech = 1*20mech-char
        var parts = arg.Split(' ');
        if (parts.Length < 1 || parts.Length > 2 || parts[0].Length == 0 || parts[0].Length > 20)
            return Invalid(cmd, new SmtpReply(501, "5.5.4", "Syntax: AUTH <mechanism> [initial-response]"));
        foreach (char c in parts[0])
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'))
                return Invalid(cmd, new SmtpReply(501, "5.5.4", "Invalid mechanism name"));
        cmd.Argument = parts[0].ToUpperInvariant();
        if (parts.Length == 2) cmd.InitialResponse = parts[1];
        cmd.Kind = SmtpCommandKind.Auth;
        return cmd;
    }
}
