using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Delivery;

/// <summary>What the queue does with the next hop's answers: recipient states, notices, the trace, the durable save.</summary>
public sealed partial class OutboundQueue
{
    /// <summary>
    /// Records one attempt of one message for one destination. Order matters for a crash: the new
    /// states are set in memory, the notices are sent, and the state is saved (or the message deleted
    /// when every recipient is final) before the connection goes on to the next message. So a kill -9
    /// can repeat only the last attempt of each recipient: one whose 250 came but whose state was not
    /// saved yet is sent once more after the restart, never more often. Notices go before the save so
    /// a crash repeats a notice rather than loses it.
    /// </summary>
    private async Task ApplyResultsAsync(QueueEntry entry, string destination, List<int> due, IReadOnlyList<RecipientResult> results)
    {
        var now = DateTimeOffset.UtcNow;
        var failed = new List<int>();
        var succeeded = new List<int>();
        var delayed = new List<int>();
        var events = new List<(MessageTraceStatus Status, int Index, string? Remote, string Reply)>();
        QueueMessage snapshot;
        lock (gate)
        {
            if (entry.Removed)
            {
                // Removed by an admin while the attempt ran: nothing left to record.
                ReleaseLocked(entry, destination);
                return;
            }
            var message = entry.Message;
            var expires = message.ReceivedAt + Options.MaxQueueLifetime;
            for (int k = 0; k < due.Count; k++)
            {
                int i = due[k];
                var r = message.Recipients[i];
                var result = results[k];
                r.Attempts++;
                r.LastAttempt = now;
                if (result.RemoteHost != null) r.RemoteHost = result.RemoteHost;
                r.LastReply = result.ToString();
                r.NextAttempt = null;
                if (result.Delivered)
                {
                    r.Status = QueueRecipientStatus.Delivered;
                    events.Add((MessageTraceStatus.Delivered, i, result.RemoteHost, r.LastReply));
                    // A next hop that took NOTIFY on reports the success itself: one notice, not two.
                    if ((r.Notify & DsnNotify.Success) != 0 && !result.DsnPassedOn) succeeded.Add(i);
                }
                else if (result.Permanent || now >= expires)
                {
                    if (!result.Permanent) r.LastReply = "451 4.4.7 delivery time expired; last reply: " + result;
                    r.Status = QueueRecipientStatus.Failed;
                    events.Add((MessageTraceStatus.Failed, i, result.RemoteHost, r.LastReply));
                    failed.Add(i);
                }
                else
                {
                    r.Status = QueueRecipientStatus.Deferred;
                    r.NextAttempt = now + Options.RetryDelay(r.Attempts);
                    NoteNextAttemptLocked(r.NextAttempt.Value);
                    events.Add((MessageTraceStatus.Deferred, i, result.RemoteHost, r.LastReply));
                    if (!r.DelayNotified && WantsDelayNotice(r.Notify) && now - message.ReceivedAt >= Options.DelayNoticeAfter)
                    {
                        r.DelayNotified = true;
                        delayed.Add(i);
                    }
                }
            }
            snapshot = message.Snapshot();
        }
        foreach (var (status, i, remote, reply) in events)
            WriteTrace(status, snapshot, snapshot.Recipients[i], destination, remote, reply);

        await NotifyAsync(NoticeKind.Failure, snapshot, failed).ConfigureAwait(false);
        await NotifyAsync(NoticeKind.Delay, snapshot, delayed).ConfigureAwait(false);
        // Ours is only a relay's notice: the next hop took the message but will not report its fate.
        await NotifyAsync(NoticeKind.Relayed, snapshot, succeeded).ConfigureAwait(false);

        Persist(entry);
        lock (gate) ReleaseLocked(entry, destination);
    }

    /// <summary>
    /// NOTIFY=DELAY asked for it; without NOTIFY the notice sender applies its default (RFC 3461
    /// leaves delay notices to the MTA then), so it is asked too. NEVER or a list without DELAY: no.
    /// </summary>
    private static bool WantsDelayNotice(DsnNotify notify) => notify == DsnNotify.Unspecified || (notify & DsnNotify.Delay) != 0;

    private async Task NotifyAsync(NoticeKind kind, QueueMessage snapshot, List<int> indexes)
    {
        var notices = Notices;
        if (notices == null || indexes.Count == 0) return;
        var recipients = indexes.Select(i => snapshot.Recipients[i]).ToList();
        try
        {
            // Not the stop token: a notice half sent at a stop is a notice lost.
            await notices.SendAsync(kind, snapshot, recipients, () => Store.OpenContent(snapshot.Id), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            WriteTrace(MessageTraceStatus.Failed, snapshot, null, null, null, null, kind + " notice not sent: " + e.Message);
        }
    }
}
