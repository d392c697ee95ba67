using System.Net;
using MailAdmin.Hosting;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Sasl;

/// <summary>MailKit's own SCRAM-SHA-256 and PLAIN clients against a whole MailServer: IMAP, POP3 and SMTP submission.</summary>
public sealed class SaslMailKitTests : IAsyncLifetime
{
    private const string Ann = "ann@example.com";
    private const string Password = "Scram pässword";
    private MailServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await MailServer.StartAsync(new MailServerOptions
        {
            InMemory = true,
            HostName = "mail.test",
            Domains = { "example.com" },
            AllowInsecureAuth = true,
            SmtpPort = null,
            SubmissionPort = 0,
            ImapPort = 0,
            ImapsPort = null,
            Pop3Port = 0,
            Pop3sPort = null,
            LoginPenalty = null,
        });
        await _server.Store.Accounts.AddAsync(Ann, Password);
    }

    public async Task DisposeAsync() => await _server.StopAsync(TimeSpan.FromSeconds(2));

    private static SaslMechanism Scram(string password = Password) => new SaslMechanismScramSha256(new NetworkCredential(Ann, password));

    [Fact]
    public async Task Imap_scram_sha_256()
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _server.Port("imap")!.Value, SecureSocketOptions.None);
        Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Scram("wrong")));
        await client.AuthenticateAsync(Scram());
        Assert.True(client.IsAuthenticated);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Pop3_scram_sha_256()
    {
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", _server.Port("pop3")!.Value, SecureSocketOptions.None);
        Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Scram("wrong")));
        await client.AuthenticateAsync(Scram());
        Assert.Equal(0, client.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Submission_scram_sha_256_then_send()
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _server.Port("submission")!.Value, SecureSocketOptions.None);
        Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Scram("wrong")));
        await client.AuthenticateAsync(Scram());
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Ann));
        message.To.Add(MailboxAddress.Parse(Ann));
        message.Subject = "scram";
        message.Body = new TextPart("plain") { Text = "hi" };
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
        Assert.Single(_server.Store.ListMessages(Ann, "INBOX"));
    }

    [Fact]
    public async Task One_identity_rule_in_every_protocol()
    {
        SaslMechanism Plain(string authz) => new SaslMechanismPlain(new NetworkCredential(Ann, Password)) { AuthorizationId = authz };

        using (var imap = new ImapClient())
        {
            await imap.ConnectAsync("127.0.0.1", _server.Port("imap")!.Value, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => imap.AuthenticateAsync(Plain("bob@example.com")));
            await imap.AuthenticateAsync(Plain("ANN@Example.com"));
        }
        using (var pop3 = new Pop3Client())
        {
            await pop3.ConnectAsync("127.0.0.1", _server.Port("pop3")!.Value, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => pop3.AuthenticateAsync(Plain("bob@example.com")));
            await pop3.AuthenticateAsync(Plain("ANN@Example.com"));
        }
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", _server.Port("submission")!.Value, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => smtp.AuthenticateAsync(Plain("bob@example.com")));
            await smtp.AuthenticateAsync(Plain("ANN@Example.com"));
        }
    }
}
