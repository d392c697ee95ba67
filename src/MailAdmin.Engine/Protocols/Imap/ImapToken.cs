using System;
using System.Collections.Generic;
using System.Text;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

public enum ImapTokenKind { Atom, Quoted, Literal, List, Nil }

/// <summary>
/// One parsed argument of an IMAP command: an atom, a quoted string, a literal, NIL, or a
/// parenthesised list of tokens. The command parser produces these; FETCH, SEARCH, STORE
/// and the rest consume them.
/// </summary>
/// <remarks>
/// A fetch attribute with a section is ONE atom holding the whole text, brackets, spaces and
/// partial included: BODY.PEEK[HEADER.FIELDS (FROM TO)]&lt;0.100&gt;. The FETCH parser reads inside.
/// </remarks>
public sealed class ImapToken
{
    private ImapToken(ImapTokenKind kind, string text, byte[]? bytes, IReadOnlyList<ImapToken>? items, IncomingMessage? message = null, bool binary = false)
    {
        IsBinary = binary;
        Message = message;
        Kind = kind;
        Text = text;
        Bytes = bytes;
        Items = items ?? Array.Empty<ImapToken>();
    }

    public ImapTokenKind Kind { get; }

    /// <summary>The atom, the unquoted string, or the literal decoded as UTF-8; "NIL" for Nil; "" for a list.</summary>
    public string Text { get; }

    /// <summary>A literal's raw bytes (APPEND needs them exactly); null otherwise.</summary>
    public byte[]? Bytes { get; }

    /// <summary>
    /// An APPEND message literal written to the store as it arrived (then <see cref="Bytes"/> is null
    /// and <see cref="Text"/> empty). The command's executor disposes it.
    /// </summary>
    public IncomingMessage? Message { get; }

    /// <summary>
    /// A literal with binary content: sent as literal8 ("~{n}", RFC 3516), or an ordinary literal that
    /// held a NUL anyway (MailKit APPENDs binary parts so). APPEND stores its binary parts as base64.
    /// </summary>
    public bool IsBinary { get; }

    /// <summary>A list's items; empty otherwise.</summary>
    public IReadOnlyList<ImapToken> Items { get; }

    /// <summary>An astring (atom, quoted or literal) as a string; null for NIL and lists.</summary>
    public string? AsString => Kind == ImapTokenKind.List || Kind == ImapTokenKind.Nil ? null : Text;

    /// <summary>
    /// As <see cref="AsString"/>, but an unquoted NIL is the atom "NIL": where the grammar wants an astring or a
    /// list-mailbox (mailbox names, LIST patterns) NIL is no nil (imaptest's nil script: LIST "" NIL is OK).
    /// </summary>
    public string? AsAstring => Kind == ImapTokenKind.Nil ? Text : AsString;

    public static ImapToken Atom(string text) => new ImapToken(ImapTokenKind.Atom, text, null, null);
    public static ImapToken Quoted(string text) => new ImapToken(ImapTokenKind.Quoted, text, null, null);
    public static ImapToken Literal(byte[] bytes, bool binary = false) => new ImapToken(ImapTokenKind.Literal, Encoding.UTF8.GetString(bytes), bytes, null, null, binary);
    public static ImapToken StreamedLiteral(IncomingMessage message, bool binary = false) => new ImapToken(ImapTokenKind.Literal, string.Empty, null, null, message, binary);
    public static ImapToken List(IReadOnlyList<ImapToken> items) => new ImapToken(ImapTokenKind.List, string.Empty, null, items);
    public static readonly ImapToken Nil = new ImapToken(ImapTokenKind.Nil, "NIL", null, null);

    public override string ToString() => Kind switch
    {
        ImapTokenKind.List => "(" + string.Join(" ", Items) + ")",
        ImapTokenKind.Quoted => "\"" + Text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        ImapTokenKind.Literal => "{" + (Bytes?.Length ?? Message?.Length ?? 0) + "}",
        _ => Text,
    };
}

/// <summary>
/// A command argument that does not parse. The session answers BAD (or NO with the
/// response code, e.g. BADCHARSET) and the connection goes on.
/// </summary>
public class ImapParseException : Exception
{
    public ImapParseException(string message, string? responseCode = null) : base(message) => ResponseCode = responseCode;

    /// <summary>A response code without brackets, e.g. "BADCHARSET (UTF-8 US-ASCII)"; null when none.</summary>
    public string? ResponseCode { get; }
}
