using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>
/// The state file of a queued message (&lt;id&gt;.json): envelope, what the cmdlets show, and every
/// recipient's delivery state. Written whole and atomically on each change; read at start.
/// </summary>
internal static class QueueStateJson
{
    internal const int FormatVersion = 1;

    internal static byte[] Serialize(QueueMessage m)
    {
        var sb = new StringBuilder(512);
        sb.Append("{\"version\":").Append(FormatVersion);
        Prop(sb, "id", m.Id);
        Prop(sb, "sender", m.Sender);
        Prop(sb, "receivedAt", Time(m.ReceivedAt));
        Prop(sb, "envelopeId", m.EnvelopeId);
        Prop(sb, "ret", m.Ret.ToString());
        sb.Append(",\"smtpUtf8\":").Append(m.SmtpUtf8 ? "true" : "false");
        Prop(sb, "body", m.Body.ToString());
        sb.Append(",\"size\":").Append(m.Size.ToString(CultureInfo.InvariantCulture));
        Prop(sb, "messageId", m.MessageId);
        Prop(sb, "subject", m.Subject);
        Prop(sb, "authenticatedUser", m.AuthenticatedUser);
        Prop(sb, "clientAddress", m.ClientAddress);
        sb.Append(",\"clientTrusted\":").Append(m.ClientTrusted ? "true" : "false");
        sb.Append(",\"suspended\":").Append(m.Suspended ? "true" : "false");
        sb.Append(",\"recipients\":[");
        for (int i = 0; i < m.Recipients.Count; i++)
        {
            var r = m.Recipients[i];
            sb.Append(i == 0 ? "\n {" : ",\n {");
            sb.Append("\"address\":").Append(MiniJson.Quote(r.Address));
            sb.Append(",\"notify\":").Append(((int)r.Notify).ToString(CultureInfo.InvariantCulture));
            Prop(sb, "orcpt", r.OriginalRecipient);
            Prop(sb, "status", r.Status.ToString());
            sb.Append(",\"attempts\":").Append(r.Attempts.ToString(CultureInfo.InvariantCulture));
            Prop(sb, "lastReply", r.LastReply);
            Prop(sb, "lastAttempt", r.LastAttempt.HasValue ? Time(r.LastAttempt.Value) : null);
            Prop(sb, "nextAttempt", r.NextAttempt.HasValue ? Time(r.NextAttempt.Value) : null);
            Prop(sb, "remoteHost", r.RemoteHost);
            sb.Append(",\"delayNotified\":").Append(r.DelayNotified ? "true" : "false");
            sb.Append('}');
        }
        sb.Append("]}\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Reads a state file; <paramref name="id"/> (its file name) wins over the id inside. Throws FormatException when damaged.</summary>
    internal static QueueMessage Parse(string json, string id)
    {
        if (!(MiniJson.Parse(json) is Dictionary<string, object?> o)) throw new FormatException("The queue state is not a JSON object.");
        var m = new QueueMessage(id, Str(o, "sender") ?? throw new FormatException("The queue state has no sender."))
        {
            ReceivedAt = Date(o, "receivedAt") ?? throw new FormatException("The queue state has no receivedAt."),
            EnvelopeId = Str(o, "envelopeId"),
            Ret = Enum<DsnReturn>(o, "ret"),
            SmtpUtf8 = Bool(o, "smtpUtf8"),
            Body = Enum<SmtpBodyType>(o, "body"),
            Size = (long)Num(o, "size"),
            MessageId = Str(o, "messageId"),
            Subject = Str(o, "subject"),
            AuthenticatedUser = Str(o, "authenticatedUser"),
            ClientAddress = Str(o, "clientAddress"),
            ClientTrusted = Bool(o, "clientTrusted"),
            Suspended = Bool(o, "suspended"),
        };
        if (!o.TryGetValue("recipients", out var list) || !(list is List<object?> items) || items.Count == 0)
            throw new FormatException("The queue state has no recipients.");
        foreach (var item in items)
        {
            if (!(item is Dictionary<string, object?> r)) throw new FormatException("A recipient of the queue state is not an object.");
            m.Recipients.Add(new QueueRecipient(Str(r, "address") ?? throw new FormatException("A recipient of the queue state has no address."))
            {
                Notify = (DsnNotify)(int)Num(r, "notify"),
                OriginalRecipient = Str(r, "orcpt"),
                Status = Enum<QueueRecipientStatus>(r, "status"),
                Attempts = (int)Num(r, "attempts"),
                LastReply = Str(r, "lastReply"),
                LastAttempt = Date(r, "lastAttempt"),
                NextAttempt = Date(r, "nextAttempt"),
                RemoteHost = Str(r, "remoteHost"),
                DelayNotified = Bool(r, "delayNotified"),
            });
        }
        return m;
    }

    private static void Prop(StringBuilder sb, string name, string? value)
        => sb.Append(",\"").Append(name).Append("\":").Append(value == null ? "null" : MiniJson.Quote(value));

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);

    private static string? Str(Dictionary<string, object?> o, string name) => o.TryGetValue(name, out var v) ? v as string : null;

    private static bool Bool(Dictionary<string, object?> o, string name) => o.TryGetValue(name, out var v) && v is bool b && b;

    private static double Num(Dictionary<string, object?> o, string name) => o.TryGetValue(name, out var v) && v is double d ? d : 0;

    private static DateTimeOffset? Date(Dictionary<string, object?> o, string name)
    {
        var s = Str(o, name);
        if (s == null) return null;
        return DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    /// <summary>An enum by name; an unknown name (a newer version's) reads as the default.</summary>
    private static T Enum<T>(Dictionary<string, object?> o, string name) where T : struct
        => System.Enum.TryParse<T>(Str(o, name) ?? "", out var value) ? value : default;
}
