using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using MimeKit;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// What the message list and search need of one message, parsed once from its bytes and cached
/// (<see cref="MessageSummaryCache"/>): addresses, subject, the attachment count, a snippet and
/// the lower-cased text that free-text search looks in. The read state is not here: it changes,
/// and comes from the store's flags at each request.
/// </summary>
internal sealed class MessageSummary
{
    private const int SnippetLength = 250;
    /// <summary>How much of the text body free-text search looks at (bounds the cache's memory).</summary>
    private const int SearchBodyLength = 4096;

    private MessageSummary(MimeMessage message, long size)
    {
        MessageId = message.MessageId ?? string.Empty;
        var from = message.From.Mailboxes.FirstOrDefault() ?? message.Sender;
        From = from == null ? null : new ApiAddress(from.Name ?? string.Empty, from.Address ?? string.Empty);
        To = ApiAddress.From(message.To);
        Cc = ApiAddress.From(message.Cc);
        Bcc = ApiAddress.From(message.Bcc);
        ReplyTo = ApiAddress.From(message.ReplyTo);
        Subject = message.Subject ?? string.Empty;
        Date = message.Date;
        Size = size;
        Attachments = message.Attachments.Count();
        var text = message.TextBody ?? HtmlText.ToPlainText(message.HtmlBody ?? string.Empty);
        Snippet = Collapse(text, SnippetLength);
        SearchSubject = Subject.ToLowerInvariant();
        SearchFrom = From == null ? string.Empty : (From.Name + " " + From.Address).ToLowerInvariant();
        SearchTo = string.Join(" ", To.Concat(Cc).Concat(Bcc).Select(a => a.Name + " " + a.Address)).ToLowerInvariant();
        SearchText = string.Join("\n", SearchSubject, SearchFrom, SearchTo, MessageId.ToLowerInvariant(), Collapse(text, SearchBodyLength).ToLowerInvariant());
    }

    public string MessageId { get; }
    public ApiAddress? From { get; }
    public IReadOnlyList<ApiAddress> To { get; }
    public IReadOnlyList<ApiAddress> Cc { get; }
    public IReadOnlyList<ApiAddress> Bcc { get; }
    public IReadOnlyList<ApiAddress> ReplyTo { get; }
    public string Subject { get; }
    public DateTimeOffset Date { get; }
    public long Size { get; }
    public int Attachments { get; }
    public string Snippet { get; }
    internal string SearchSubject { get; }
    internal string SearchFrom { get; }
    internal string SearchTo { get; }
    internal string SearchText { get; }

    /// <summary>Roughly what the summary's strings take (for the cache's bound).</summary>
    internal long EstimatedBytes => 2L * (MessageId.Length + Subject.Length + Snippet.Length + SearchSubject.Length + SearchFrom.Length + SearchTo.Length + SearchText.Length)
        + 96L * (To.Count + Cc.Count + Bcc.Count + ReplyTo.Count + 1);

    public static MessageSummary Parse(System.IO.Stream stream, long size) => new MessageSummary(MimeMessage.Load(stream), size);

    /// <summary>Whitespace runs to one space, cut at <paramref name="max"/> characters.</summary>
    private static string Collapse(string text, int max)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c)) { space = sb.Length > 0; continue; }
            if (space) { sb.Append(' '); space = false; }
            if (sb.Length >= max) break;
            sb.Append(c);
        }
        return sb.ToString();
    }
}
