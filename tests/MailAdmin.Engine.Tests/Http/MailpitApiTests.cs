using System.Net;
using System.Text;
using MailAdmin.Hosting.Http;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Http;

/// <summary>The Mailpit API over a real socket: JSON shapes and field names, order, paging, search, read state, parts, delete.</summary>
public class MailpitApiTests
{
    private static List<object?> Messages(Dictionary<string, object?> list) => (List<object?>)list["messages"]!;
    private static Dictionary<string, object?> Obj(object? o) => (Dictionary<string, object?>)o!;

    [Fact]
    public async Task ListIsNewestFirstWithMailpitFieldsAndPaging()
    {
        await using var t = await HttpTestServer.StartAsync(null, "ann@example.com", "bob@example.com");
        var now = DateTimeOffset.Now;
        await t.DeliverAsync("ann@example.com", "first", at: now.AddMinutes(-3));
        await t.DeliverAsync("bob@example.com", "second", at: now.AddMinutes(-2));
        await t.DeliverAsync("ann@example.com", "third", at: now.AddMinutes(-1));

        var list = await t.GetJsonAsync("api/v1/messages");
        Assert.Equal(3.0, list["total"]);
        Assert.Equal(3.0, list["unread"]);
        Assert.Equal(3.0, list["count"]);
        Assert.Equal(3.0, list["messages_count"]);
        Assert.Equal(0.0, list["start"]);
        Assert.Empty((List<object?>)list["tags"]!);
        Assert.Equal(new[] { "third", "second", "first" }, Messages(list).Select(m => (string)Obj(m)["Subject"]!));
        var first = Obj(Messages(list)[0]);
        foreach (var field in new[] { "ID", "MessageID", "Read", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject", "Created", "Tags", "Size", "Attachments", "Snippet" })
            Assert.True(first.ContainsKey(field), field);
        Assert.Equal("sender@example.org", Obj(first["From"])["Address"]);
        Assert.Equal("Sender", Obj(first["From"])["Name"]);
        Assert.Equal("ann@example.com", Obj(((List<object?>)first["To"]!)[0])["Address"]);
        Assert.Equal(false, first["Read"]);
        Assert.Equal("Hello.", first["Snippet"]);

        var page = await t.GetJsonAsync("api/v1/messages?start=1&limit=1");
        Assert.Equal(1.0, page["count"]);
        Assert.Equal(3.0, page["messages_count"]);
        Assert.Equal("second", Obj(Messages(page)[0])["Subject"]);

        var bob = await t.GetJsonAsync("api/v1/messages?mailbox=bob@example.com");
        Assert.Equal("second", Obj(Assert.Single(Messages(bob)))["Subject"]);

        var mailboxes = (List<object?>)MiniJson.Parse(await t.Client.GetStringAsync("api/v1/mailboxes"))!;
        Assert.Equal(new[] { "ann@example.com:2", "bob@example.com:1" },
            mailboxes.Select(m => $"{Obj(m)["Account"]}:{Obj(m)["Messages"]}").OrderBy(s => s));
    }

    [Fact]
    public async Task MessagesOfOneSecondInSeveralAccountsListInArrivalOrder()
    {
        await using var t = await HttpTestServer.StartAsync(null, "ann@example.com", "bob@example.com");
        var second = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        await t.DeliverAsync("ann@example.com", "first", at: second);
        await t.DeliverAsync("bob@example.com", "second", at: second);
        await t.DeliverAsync("ann@example.com", "third", at: second);
        Assert.Equal(new[] { "third", "second", "first" },
            Messages(await t.GetJsonAsync("api/v1/messages")).Select(m => (string)Obj(m)["Subject"]!));
    }

    [Fact]
    public async Task MessageJsonMarksReadAndServesRawAndParts()
    {
        await using var t = await HttpTestServer.StartAsync();
        const string raw = "From: Ann <ann@example.org>\r\nTo: ann@example.com\r\nCc: c@example.org\r\nReply-To: r@example.org\r\nReturn-Path: <bounce@example.org>\r\n"
            + "Subject: With file\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <m1@test>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
            + "--c\r\nContent-Type: text/plain\r\n\r\nPlain body\r\n--c\r\nContent-Type: text/html\r\n\r\n<p onclick=\"x()\">Html body</p><script>bad()</script>\r\n--c--\r\n"
            + "--b\r\nContent-Type: application/pdf; name=\"r\u00e9sum\u00e9.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUERGREFUQQ==\r\n--b--\r\n";
        await t.DeliverAsync("ann@example.com", "", raw: raw);
        var id = (string)Obj(Messages(await t.GetJsonAsync("api/v1/messages"))[0])["ID"]!;

        var message = await t.GetJsonAsync($"api/v1/message/{id}");
        Assert.Equal(id, message["ID"]);
        Assert.Equal("m1@test", message["MessageID"]);
        Assert.Equal("bounce@example.org", message["ReturnPath"]);
        Assert.Equal("r@example.org", Obj(((List<object?>)message["ReplyTo"]!)[0])["Address"]);
        Assert.Equal("With file", message["Subject"]);
        Assert.StartsWith("2026-12-01T10:00:00", (string)message["Date"]!);
        Assert.Contains("Plain body", (string)message["Text"]!);
        Assert.Contains("Html body", (string)message["HTML"]!);
        var attachment = Obj(Assert.Single((List<object?>)message["Attachments"]!));
        Assert.Equal("report.pdf", attachment["FileName"]);
        Assert.Equal("application/pdf", attachment["ContentType"]);
        Assert.Equal(7.0, attachment["Size"]);
        Assert.Empty((List<object?>)message["Inline"]!);

        // Reading it marked it read, as in Mailpit.
        var list = await t.GetJsonAsync("api/v1/messages");
        Assert.Equal(true, Obj(Messages(list)[0])["Read"]);
        Assert.Equal(0.0, list["unread"]);

        var part = await t.Client.GetAsync($"api/v1/message/{id}/part/{attachment["PartID"]}");
        Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        Assert.Equal("application/pdf", part.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", part.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("PDFDATA", await part.Content.ReadAsStringAsync());

        var rawResponse = await t.Client.GetStringAsync($"api/v1/message/{id}/raw");
        Assert.Equal(raw, rawResponse);

        var view = await t.Client.GetAsync($"view/{id}.html");
        Assert.Equal(HtmlSanitizer.ContentSecurityPolicy, string.Join(", ", view.Headers.GetValues("Content-Security-Policy")));
        var html = await view.Content.ReadAsStringAsync();
        Assert.Contains("Html body", html);
        Assert.DoesNotContain("script", html);
        Assert.DoesNotContain("onclick", html);

        Assert.Equal(HttpStatusCode.NotFound, (await t.Client.GetAsync($"api/v1/message/{id}/part/9")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await t.Client.GetAsync("api/v1/message/nonsense")).StatusCode);
        var headers = await t.GetJsonAsync($"api/v1/message/{id}/headers");
        Assert.Equal("With file", Assert.Single((List<object?>)headers["Subject"]!));

        var latest = await t.GetJsonAsync("api/v1/message/latest");
        Assert.Equal(id, latest["ID"]);
    }

    [Fact]
    public async Task SearchFindsBySenderRecipientSubjectAndState()
    {
        await using var t = await HttpTestServer.StartAsync(null, "ann@example.com", "bob@example.com");
        await t.DeliverAsync("ann@example.com", "Invoice 42", "Pay soon.");
        await t.DeliverAsync("bob@example.com", "Welcome aboard", "Your code is 123456.");
        async Task<string[]> Search(string q) =>
            Messages(await t.GetJsonAsync("api/v1/search?query=" + Uri.EscapeDataString(q))).Select(m => (string)Obj(m)["Subject"]!).ToArray();

        Assert.Equal(new[] { "Invoice 42" }, await Search("subject:invoice"));
        Assert.Equal(new[] { "Welcome aboard" }, await Search("to:bob@example.com"));
        Assert.Equal(new[] { "Welcome aboard" }, await Search("123456"));
        Assert.Equal(2, (await Search("from:sender@example.org")).Length);
        Assert.Empty(await Search("from:nobody"));
        var search = await t.GetJsonAsync("api/v1/search?query=invoice&mailbox=bob@example.com");
        Assert.Equal(0.0, search["messages_count"]);
        Assert.Equal(1.0, search["total"]);
        Assert.Equal(2, (await Search("is:unread")).Length);
    }

    [Fact]
    public async Task DeleteByIdsAndAll()
    {
        await using var t = await HttpTestServer.StartAsync();
        await t.DeliverAsync("ann@example.com", "a");
        await t.DeliverAsync("ann@example.com", "b");
        await t.DeliverAsync("ann@example.com", "c");
        var ids = Messages(await t.GetJsonAsync("api/v1/messages")).Select(m => (string)Obj(m)["ID"]!).ToList();

        var request = new HttpRequestMessage(HttpMethod.Delete, "api/v1/messages")
        {
            Content = new StringContent("{\"IDs\":[\"" + ids[0] + "\"]}", Encoding.UTF8, "application/json"),
        };
        var deleted = await t.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(new[] { "b", "a" }, Messages(await t.GetJsonAsync("api/v1/messages")).Select(m => (string)Obj(m)["Subject"]!));
        Assert.Equal(HttpStatusCode.NotFound, (await t.Client.GetAsync($"api/v1/message/{ids[0]}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await t.Client.DeleteAsync("api/v1/messages")).StatusCode);
        Assert.Equal(0.0, (await t.GetJsonAsync("api/v1/messages"))["total"]);
        Assert.Empty(t.Server.Store.ListMessages("ann@example.com", "INBOX"));

        await t.DeliverAsync("ann@example.com", "keep me");
        await t.DeliverAsync("ann@example.com", "drop me");
        Assert.Equal(HttpStatusCode.OK, (await t.Client.DeleteAsync("api/v1/search?query=subject%3Adrop")).StatusCode);
        Assert.Equal(new[] { "keep me" }, Messages(await t.GetJsonAsync("api/v1/messages")).Select(m => (string)Obj(m)["Subject"]!));

        var bad = new HttpRequestMessage(HttpMethod.Delete, "api/v1/messages") { Content = new StringContent("{\"IDs\":[\"zz\"]}") };
        Assert.Equal(HttpStatusCode.BadRequest, (await t.Client.SendAsync(bad)).StatusCode);
    }

    [Fact]
    public async Task PutSetsTheReadState()
    {
        await using var t = await HttpTestServer.StartAsync();
        await t.DeliverAsync("ann@example.com", "a");
        await t.DeliverAsync("ann@example.com", "b");
        var ids = Messages(await t.GetJsonAsync("api/v1/messages")).Select(m => (string)Obj(m)["ID"]!).ToList();
        var put = await t.Client.PutAsync("api/v1/messages", new StringContent("{\"IDs\":[\"" + ids[1] + "\"],\"Read\":true}"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(new object?[] { false, true }, Messages(await t.GetJsonAsync("api/v1/messages")).Select(m => Obj(m)["Read"]));
        await t.Client.PutAsync("api/v1/messages", new StringContent("{\"Read\":true}"));
        Assert.Equal(0.0, (await t.GetJsonAsync("api/v1/messages"))["unread"]);
        await t.Client.PutAsync("api/v1/messages", new StringContent("{\"Read\":false}"));
        Assert.Equal(2.0, (await t.GetJsonAsync("api/v1/messages"))["unread"]);
    }

    [Fact]
    public async Task EventsAnnounceNewAndDeletedMessages()
    {
        await using var t = await HttpTestServer.StartAsync();
        using var stream = await t.Client.GetStreamAsync("api/v1/events");
        using var reader = new StreamReader(stream);
        Assert.Equal(": connected", await reader.ReadLineAsync());
        await reader.ReadLineAsync();
        var stored = await t.DeliverAsync("ann@example.com", "live one");
        Assert.Equal("event: new", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        var data = Obj(MiniJson.Parse((await reader.ReadLineAsync())!.Substring("data: ".Length)));
        Assert.Equal("live one", data["Subject"]);
        await reader.ReadLineAsync();

        await t.Server.Store.DeleteMessagesAsync("ann@example.com", "INBOX", new[] { stored.Uid });
        Assert.Equal("event: delete", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        var deleted = Obj(MiniJson.Parse((await reader.ReadLineAsync())!.Substring("data: ".Length)));
        Assert.Equal(data["ID"], Assert.Single((List<object?>)deleted["IDs"]!));
    }

    [Fact]
    public async Task BasicAuthIsRequiredWhenACredentialIsSet()
    {
        await using var t = await HttpTestServer.StartAsync(o => o.HttpCredential = new NetworkCredential("admin", "pässword"));
        var denied = await t.Client.GetAsync("api/v1/messages");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Contains("Basic", denied.Headers.WwwAuthenticate.ToString());
        t.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:wrong")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await t.Client.GetAsync("/")).StatusCode);
        t.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:pässword")));
        Assert.Equal(HttpStatusCode.OK, (await t.Client.GetAsync("api/v1/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await t.Client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task NoPasswordlessListenerOnAPublicAddress()
    {
        var ex = await Assert.ThrowsAsync<InsecureHttpException>(() => HttpTestServer.StartAsync(o => o.IPAddress = IPAddress.Any));
        Assert.Contains("-HttpCredential", ex.Message);
    }

    [Fact]
    public async Task StaticFilesInfoAndMethodErrors()
    {
        await using var t = await HttpTestServer.StartAsync();
        var index = await t.Client.GetAsync("/");
        Assert.Equal("text/html", index.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await t.Client.GetAsync("app.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await t.Client.GetAsync("app.css")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await t.Client.GetAsync("missing.js")).StatusCode);
        var post = await t.Client.PostAsync("api/v1/info", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Contains("GET", post.Content.Headers.Allow);
        var info = await t.GetJsonAsync("api/v1/info");
        Assert.Equal(0.0, info["Messages"]);
        Assert.True(info.ContainsKey("Version"));
    }
}
