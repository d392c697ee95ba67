using System;
using System.Buffers;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Pop3;

/// <summary>One command line (without its line ending) → <see cref="Pop3Command"/>. Never throws
/// for client input: syntax errors come back as <see cref="Pop3CommandKind.Invalid"/>.</summary>
public static class Pop3CommandParser
{
    /// <summary>RFC 2449 §4: a command line is at most 255 octets including the CRLF.</summary>
    public const int MaxCommandLength = 255;
    /// <summary>A SASL response line (and an AUTH line with its initial response) may be longer (RFC 5034 §4).</summary>
    public const int MaxSaslLength = 12288;
    /// <summary>RFC 1939 §3: each argument up to 40 characters.</summary>
    public const int MaxArgumentLength = 40;

    /// <summary>Bytes → command or "need more": frames one line off <paramref name="buffer"/> (the limit
    /// depends on whether the line is an AUTH line or a SASL response) and parses it.</summary>
    public static LineStatus TryReadCommand(ref LineFramer lines, ref ReadOnlySequence<byte> buffer, out Pop3Command? command)
    {
        command = null;
        var status = lines.TryReadLine(ref buffer, out var line, LimitFor(buffer));
        if (status == LineStatus.Line) command = Parse(line);
        return status;
    }

    /// <summary>The line limit for the line at the front of <paramref name="buffer"/>: AUTH lines carry a SASL initial response.</summary>
    public static int LimitFor(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 5) return MaxCommandLength;
        Span<byte> head = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(head);
        bool auth = (head[0] | 0x20) == 'a' && (head[1] | 0x20) == 'u' && (head[2] | 0x20) == 't' && (head[3] | 0x20) == 'h' && head[4] == ' ';
        return auth ? MaxSaslLength : MaxCommandLength;
    }

    public static Pop3Command Parse(in ReadOnlySequence<byte> line)
    {
        string? text = LineFramer.Decode(line);
        if (text == null) return new Pop3Command(Pop3CommandKind.Invalid, "", error: "Invalid UTF-8 in command");
        return Parse(text);
    }

    public static Pop3Command Parse(string text)
    {
        int sp = text.IndexOf(' ');
        string verb = (sp < 0 ? text : text.Substring(0, sp)).ToUpperInvariant();
        string rest = sp < 0 ? "" : text.Substring(sp + 1);
        foreach (char c in verb)
            if (c < 'A' || c > 'Z') return new Pop3Command(Pop3CommandKind.Unknown, verb.Length > 10 ? verb.Substring(0, 10) : verb);
        switch (verb)
        {
            case "USER": return One(Pop3CommandKind.User, verb, rest);
            case "PASS":
                // RFC 1939 §7: the password may contain spaces; it is the rest of the line.
                return rest.Length == 0 ? Bad(verb, "PASS needs a password") : new Pop3Command(Pop3CommandKind.Pass, verb, new[] { rest });
            case "APOP": return Count(Pop3CommandKind.Apop, verb, rest, 2, 2, numeric: false);
            case "AUTH":
                {
                    var args = Split(rest);
                    if (args.Count > 2) return Bad(verb, "Too many arguments");
                    if (args.Count > 0) args[0] = args[0].ToUpperInvariant();
                    return new Pop3Command(Pop3CommandKind.Auth, verb, args);
                }
            case "STLS": return Count(Pop3CommandKind.Stls, verb, rest, 0, 0);
            case "CAPA": return Count(Pop3CommandKind.Capa, verb, rest, 0, 0);
            case "QUIT": return Count(Pop3CommandKind.Quit, verb, rest, 0, 0);
            case "STAT": return Count(Pop3CommandKind.Stat, verb, rest, 0, 0);
            case "NOOP": return Count(Pop3CommandKind.Noop, verb, rest, 0, 0);
            case "RSET": return Count(Pop3CommandKind.Rset, verb, rest, 0, 0);
            case "LIST": return Count(Pop3CommandKind.List, verb, rest, 0, 1);
            case "UIDL": return Count(Pop3CommandKind.Uidl, verb, rest, 0, 1);
            case "RETR": return Count(Pop3CommandKind.Retr, verb, rest, 1, 1);
            case "DELE": return Count(Pop3CommandKind.Dele, verb, rest, 1, 1);
            case "TOP": return Count(Pop3CommandKind.Top, verb, rest, 2, 2);
            default: return new Pop3Command(Pop3CommandKind.Unknown, verb.Length > 10 ? verb.Substring(0, 10) : verb);
        }
    }

    private static Pop3Command Bad(string verb, string error) => new(Pop3CommandKind.Invalid, verb, error: error);

    private static Pop3Command One(Pop3CommandKind kind, string verb, string rest)
    {
        var args = Split(rest);
        if (args.Count != 1) return Bad(verb, verb + " needs one argument");
        if (args[0].Length > 255) return Bad(verb, "Argument too long");
        return new Pop3Command(kind, verb, args);
    }

    private static Pop3Command Count(Pop3CommandKind kind, string verb, string rest, int min, int max, bool numeric = true)
    {
        var args = Split(rest);
        if (args.Count < min || args.Count > max)
            return Bad(verb, max == 0 ? verb + " takes no arguments" : min == max ? $"{verb} needs {min} argument{(min == 1 ? "" : "s")}" : $"{verb} takes at most {max} argument");
        foreach (var a in args)
        {
            if (a.Length > MaxArgumentLength) return Bad(verb, "Argument too long");
            if (numeric && !IsNumber(a)) return Bad(verb, "Invalid number: " + a);
        }
        return new Pop3Command(kind, verb, args);
    }

    private static bool IsNumber(string s)
    {
        if (s.Length == 0 || s.Length > 9) return false;   // up to 999 999 999: fits an int
        foreach (char c in s) if (c < '0' || c > '9') return false;
        return true;
    }

    private static List<string> Split(string rest)
    {
        var list = new List<string>();
        foreach (var part in rest.Split(' '))
            if (part.Length > 0) list.Add(part);
        return list;
    }
}
