using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Pop3;

public enum Pop3CommandKind
{
    /// <summary>Not a command we know (-ERR, counted as a bad command).</summary>
    Unknown,
    /// <summary>A known verb with bad arguments; <see cref="Pop3Command.Error"/> is the text of the -ERR.</summary>
    Invalid,
    User, Pass, Apop, Auth, Stls, Capa, Quit,
    Stat, List, Retr, Dele, Noop, Rset, Top, Uidl,
}

/// <summary>One parsed POP3 command line (RFC 1939 §3: a keyword, then arguments separated by single spaces).</summary>
public sealed class Pop3Command
{
    private static readonly IReadOnlyList<string> None = Array.Empty<string>();

    public Pop3Command(Pop3CommandKind kind, string verb, IReadOnlyList<string>? arguments = null, string? error = null)
    {
        Kind = kind;
        Verb = verb;
        Arguments = arguments ?? None;
        Error = error;
    }

    public Pop3CommandKind Kind { get; }
    /// <summary>The keyword, upper-cased.</summary>
    public string Verb { get; }
    /// <summary>The arguments. PASS has one: the rest of the line, spaces included.</summary>
    public IReadOnlyList<string> Arguments { get; }
    /// <summary>For <see cref="Pop3CommandKind.Invalid"/>: why (sent after "-ERR ").</summary>
    public string? Error { get; }

    /// <summary>The numeric arguments of LIST/RETR/DELE/TOP/UIDL (message number, line count).</summary>
    public int Number(int index) => int.Parse(Arguments[index], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The command as it may be logged: PASS and AUTH payloads are redacted.</summary>
    public string ToLogString()
    {
        switch (Kind)
        {
            case Pop3CommandKind.Pass: return "PASS <redacted>";
            case Pop3CommandKind.Apop: return "APOP " + (Arguments.Count > 0 ? Arguments[0] : "") + " <redacted>";
            case Pop3CommandKind.Auth: return "AUTH" + (Arguments.Count > 0 ? " " + Arguments[0] : "") + (Arguments.Count > 1 ? " <redacted>" : "");
            case Pop3CommandKind.Unknown:
            case Pop3CommandKind.Invalid:
                return Verb == "PASS" || Verb == "AUTH" || Verb == "APOP" ? Verb + " <redacted>" : Verb + (Arguments.Count > 0 ? " " + string.Join(" ", Arguments) : "");
            default:
                return Arguments.Count == 0 ? Verb : Verb + " " + string.Join(" ", Arguments);
        }
    }

    public override string ToString() => ToLogString();
}
