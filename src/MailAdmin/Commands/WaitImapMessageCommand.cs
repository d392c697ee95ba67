using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailAdmin.Messages;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace MailAdmin.Commands
{
    /// <summary>
    /// Wait-ImapMessage: waits until new mail arrives in a folder and returns it (header-only
    /// messages whose body is fetched when needed), or nothing when -WaitTimeout passes. Uses
    /// IDLE, or polls (NOOP and UID SEARCH every -PollInterval seconds) on servers without it.
    /// "New" means a UID at or above the folder's UIDNEXT when the wait began. -Timeout keeps
    /// its meaning of every client cmdlet (seconds per server step); the wait is -WaitTimeout.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "ImapMessage")]
    [OutputType(typeof(MailMessage))]
    public sealed class WaitImapMessageCommand : MailClientCmdlet<ImapClientSession>
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ImapFolderCompleter))]
        public string Folder { get; set; } = "INBOX";

        /// <summary>Seconds to wait for new mail before giving up (an ImapWaitTimeout error); 0, the default, waits until Ctrl+C.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int WaitTimeout { get; set; }

        /// <summary>Seconds between two looks when the server lacks IDLE.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int PollInterval { get; set; } = 5;

        /// <summary>Only mail whose From contains this text counts (server-side SEARCH FROM).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? From { get; set; }

        /// <summary>Only mail whose Subject contains this text counts (server-side SEARCH SUBJECT).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Subject { get; set; }

        protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

        protected override void ProcessRecord()
        {
            var deadline = WaitTimeout == 0 ? (DateTime?)null : DateTime.UtcNow.AddSeconds(WaitTimeout);
            List<MailMessage> arrived;
            try
            {
                arrived = Use((session, token) => WaitAsync(session, deadline, token));
            }
            catch (MailClientException ex)
            {
                ThrowClientError(ex, Folder);
                return;
            }
            // Like Get-MailServerMessage -Wait: a wait that ends empty is a non-terminating error
            // (silence it with -ErrorAction SilentlyContinue), so both waits behave the same way.
            if (arrived.Count == 0 && deadline != null)
            {
                WriteError(new TimeoutException($"No new message arrived in '{Folder}' within {WaitTimeout} s."), "ImapWaitTimeout", ErrorCategory.OperationTimeout, Folder);
                return;
            }
            // Written after the session is free: the caller may read the bodies at once.
            foreach (var message in arrived) WriteObject(GetImapMessageCommand.Wrap(message));
        }

        private async Task<List<MailMessage>> WaitAsync(ImapClientSession session, DateTime? deadline, CancellationToken token)
        {
            // Always (re)open: UIDNEXT is what the server said at the last SELECT/EXAMINE, and
            // for a folder this session already had open that may be long ago.
            var folder = await session.GetFolderAsync(Folder, token).ConfigureAwait(false);
            await folder.OpenAsync(FolderAccess.ReadOnly, token).ConfigureAwait(false);
            uint next = folder.UidNext?.Id ?? await NextUidAsync(folder, token).ConfigureAwait(false);
            bool idle = session.Client.Capabilities.HasFlag(ImapCapabilities.Idle);

            while (true)
            {
                var found = await NewUidsAsync(folder, next, token).ConfigureAwait(false);
                if (found.Count > 0)
                    return await ImapMessageReader.FetchHeadersAsync(session, folder, found, token).ConfigureAwait(false);
                var left = deadline == null ? (TimeSpan?)null : deadline.Value - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return new List<MailMessage>();
                if (idle)
                    await IdleAsync(session, folder, left, token).ConfigureAwait(false);
                else
                {
                    var pause = TimeSpan.FromSeconds(PollInterval);
                    await Task.Delay(left < pause ? left.Value : pause, token).ConfigureAwait(false);
                    await session.Client.NoOpAsync(token).ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// One IDLE, ended (DONE) by new mail, the deadline, Ctrl+C, or a refresh well inside
        /// both the client's -Timeout and the 29 minutes after which servers may drop an idle
        /// client (RFC 2177).
        /// </summary>
        private async Task IdleAsync(ImapClientSession session, IMailFolder folder, TimeSpan? left, CancellationToken token)
        {
            var refresh = TimeSpan.FromSeconds(Math.Max(1, Math.Min(9 * 60, Timeout * 0.8)));
            using var done = CancellationTokenSource.CreateLinkedTokenSource(token);
            done.CancelAfter(left < refresh ? left.Value : refresh);
            EventHandler<EventArgs> onCount = (_, __) => done.Cancel();
            folder.CountChanged += onCount;
            try
            {
                // Ctrl+C ends the IDLE politely through the done token; the cancel token only
                // gives up on a server that does not answer DONE.
                using var giveUp = new CancellationTokenSource();
                using (token.Register(() => giveUp.CancelAfter(TimeSpan.FromSeconds(5))))
                    await session.Client.IdleAsync(done.Token, giveUp.Token).ConfigureAwait(false);
            }
            finally
            {
                folder.CountChanged -= onCount;
            }
            token.ThrowIfCancellationRequested();
        }

        private async Task<IList<UniqueId>> NewUidsAsync(IMailFolder folder, uint next, CancellationToken token)
        {
            SearchQuery query = SearchQuery.Uids(new UniqueIdRange(new UniqueId(next), UniqueId.MaxValue));
            if (From != null) query = query.And(SearchQuery.FromContains(From));
            if (Subject != null) query = query.And(SearchQuery.SubjectContains(Subject));
            var found = await folder.SearchAsync(query, token).ConfigureAwait(false);
            // "n:*" always includes the last message, even when its UID is below n.
            return found.Where(uid => uid.Id >= next).ToList();
        }

        /// <summary>For servers that do not send UIDNEXT: one above the highest UID there is.</summary>
        private static async Task<uint> NextUidAsync(IMailFolder folder, CancellationToken token)
        {
            var all = await folder.SearchAsync(SearchQuery.All, token).ConfigureAwait(false);
            return all.Count == 0 ? 1 : all.Max(uid => uid.Id) + 1;
        }
    }
}
