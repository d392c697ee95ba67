using System.Text;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>Helpers: a small tokenizer for test input, message contexts, and FETCH output as text.</summary>
internal static class FetchTestSupport
{
    internal static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>Tokens of an argument string, with a section atom kept whole like the real parser does.</summary>
    public static List<ImapToken> Tokens(string text)
    {
        int i = 0;
        var list = ParseList(text, ref i, topLevel: true);
        return list;
    }

    private static List<ImapToken> ParseList(string s, ref int i, bool topLevel)
    {
        var items = new List<ImapToken>();
        while (i < s.Length)
        {
            char c = s[i];
            if (c == ' ') { i++; continue; }
            if (c == ')')
            {
                if (topLevel) throw new InvalidOperationException("unbalanced");
                i++;
                return items;
            }
            if (c == '(')
            {
                i++;
                items.Add(ImapToken.List(ParseList(s, ref i, topLevel: false)));
                continue;
            }
            if (c == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (s[i] != '"')
                {
                    if (s[i] == '\\') i++;
                    sb.Append(s[i++]);
                }
                i++;
                items.Add(ImapToken.Quoted(sb.ToString()));
                continue;
            }
            int start = i;
            while (i < s.Length && s[i] != ' ' && s[i] != ')' && s[i] != '(')
            {
                if (s[i] == '[')
                {
                    while (i < s.Length && s[i] != ']') i++;
                }
                if (i < s.Length) i++;
            }
            var atom = s.Substring(start, i - start);
            items.Add(atom == "NIL" ? ImapToken.Nil : ImapToken.Atom(atom));
        }
        return items;
    }

    public static byte[] Bytes(string message) => Encoding.UTF8.GetBytes(message.Replace("\r\n", "\n").Replace("\n", "\r\n"));

    public static ImapMessageContext Context(byte[] bytes, uint seq = 1, uint uid = 101, MessageFlags flags = MessageFlags.None,
        bool recent = false, DateTimeOffset? internalDate = null, long? size = null)
    {
        var stored = new StoredMessage(uid, "id" + uid, size ?? bytes.Length,
            internalDate ?? new DateTimeOffset(2024, 1, 17, 9, 5, 3, TimeSpan.FromHours(1)), flags, recent);
        return new ImapMessageContext(seq, stored, () => bytes);
    }

    public static ImapMessageContext Context(string message, uint seq = 1, uint uid = 101, MessageFlags flags = MessageFlags.None,
        bool recent = false, DateTimeOffset? internalDate = null) => Context(Bytes(message), seq, uid, flags, recent, internalDate);

    /// <summary>The FETCH response for the attributes (test syntax), as Latin-1 text (one char per byte).</summary>
    public static string Fetch(ImapMessageContext ctx, string attributes, bool isUid = false, bool includeFlags = false, bool utf8 = false)
    {
        var request = FetchRequest.Parse(Tokens(attributes), isUid);
        var output = new MemoryStream();
        FetchResponse.Write(output, request, ctx, includeFlags, utf8);
        return Latin1.GetString(output.ToArray());
    }

    /// <summary>What follows "* n FETCH (" and precedes ")\r\n".</summary>
    public static string FetchInner(ImapMessageContext ctx, string attributes, bool utf8 = false)
    {
        var s = Fetch(ctx, attributes, utf8: utf8);
        var prefix = "* " + ctx.SequenceNumber + " FETCH (";
        Assert.StartsWith(prefix, s);
        Assert.EndsWith(")\r\n", s);
        return s.Substring(prefix.Length, s.Length - prefix.Length - 3);
    }

    /// <summary>The literal a section returns: checks "{n}\r\n" against the octets that follow.</summary>
    public static string Literal(ImapMessageContext ctx, string attribute, string expectedName)
    {
        var inner = FetchInner(ctx, attribute);
        Assert.StartsWith(expectedName + " {", inner);
        int open = expectedName.Length + 1;
        int close = inner.IndexOf('}', open);
        int n = int.Parse(inner.Substring(open + 1, close - open - 1));
        Assert.Equal("\r\n", inner.Substring(close + 1, 2));
        var content = inner.Substring(close + 3);
        Assert.Equal(n, content.Length);
        return content;
    }

    /// <summary>Latin-1 view of UTF-8 text (how raw bytes show in the Latin-1 decoded output).</summary>
    public static string Raw(string text) => Latin1.GetString(Encoding.UTF8.GetBytes(text));
}
