using System.Reflection;
using System.Text;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Sasl;

public sealed class SaslScramTests
{
    private const string ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string ClientFirst = "n,,n=user,r=" + ClientNonce;
    private const string ServerFirst = "r=" + ClientNonce + ServerNonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=" + ClientNonce + ServerNonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    private static string S(byte[]? b) => Encoding.UTF8.GetString(b ?? Array.Empty<byte>());

    private static (SaslScramSha256 Mechanism, FixedScramCredentials Credentials) Rfc7677()
    {
        var credential = PasswordHasher.ToScram(SaslTestCredentials.Rfc7677LegacyHash())!;
        var account = (MailAccount)Activator.CreateInstance(typeof(MailAccount), BindingFlags.NonPublic | BindingFlags.Instance, null,
            new object?[] { "user", credential.Encode(), null, true, DateTimeOffset.UtcNow }, null)!;
        var credentials = new FixedScramCredentials("user", new ScramLogin(account, credential));
        return (new SaslScramSha256(credentials) { FixedServerNonce = ServerNonce }, credentials);
    }

    [Fact]
    public async Task Rfc7677_test_vector_from_the_stored_keys()
    {
        var (m, credentials) = Rfc7677();
        Assert.Equal("", S((await m.StepAsync(null, default)).Challenge));   // no initial response: empty challenge
        var first = await m.StepAsync(B(ClientFirst), default);
        Assert.Equal(ServerFirst, S(first.Challenge));
        var final = await m.StepAsync(B(ClientFinal), default);
        Assert.Equal(ServerFinal, S(final.Challenge));
        Assert.Equal(0 + 1, credentials.Successes);
        var done = await m.StepAsync(Array.Empty<byte>(), default);
        Assert.True(done.Succeeded);
        Assert.Equal("user", done.Account);
    }

    [Fact]
    public void The_new_stored_form_matches_the_legacy_one_and_verifies_the_password()
    {
        var legacy = SaslTestCredentials.Rfc7677LegacyHash();
        var current = PasswordHasher.Upgrade(legacy)!;
        Assert.StartsWith("scram-sha-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$", current);
        Assert.Equal(5, current.Split('$').Length);
        Assert.True(PasswordHasher.Verify("pencil", current));
        Assert.False(PasswordHasher.Verify("pencil!", current));
        Assert.True(PasswordHasher.Verify("pencil", legacy));
        Assert.Null(PasswordHasher.Upgrade(current));
        Assert.Equal(PasswordHasher.ToScram(legacy)!.StoredKey, PasswordHasher.ToScram(current)!.StoredKey);
    }

    public static TheoryData<string, string?, SaslFailure> BadExchanges => new()
    {
        // client-first problems
        { "p=tls-unique,,n=user,r=" + ClientNonce, null, SaslFailure.Malformed },      // channel binding asked, not offered
        { "x,,n=user,r=" + ClientNonce, null, SaslFailure.Malformed },                 // unknown GS2 flag
        { "n,,m=ext,n=user,r=" + ClientNonce, null, SaslFailure.Malformed },           // mandatory extension
        { "n,,r=" + ClientNonce, null, SaslFailure.Malformed },                        // no user name
        { "n,,n=us=3Xer,r=" + ClientNonce, null, SaslFailure.Malformed },              // bad saslname escape
        { "n,,n=user,r=", null, SaslFailure.Malformed },                               // empty nonce
        { "n,a=other,n=user,r=" + ClientNonce, null, SaslFailure.Authorization },      // acting as someone else
        { "n,", null, SaslFailure.Malformed },
        // client-final problems
        { ClientFirst, "c=biws,r=" + ClientNonce + "WRONG,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", SaslFailure.Malformed },  // wrong nonce
        { ClientFirst, "c=eSws,r=" + ClientNonce + ServerNonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", SaslFailure.Malformed }, // c= says "y,," after "n,,"
        { ClientFirst, "c=biws,r=" + ClientNonce + ServerNonce, SaslFailure.Malformed },                                       // no proof
        { ClientFirst, "c=biws,r=" + ClientNonce + ServerNonce + ",p=@@@", SaslFailure.Malformed },                            // proof not base64
        { ClientFirst, "c=biws,r=" + ClientNonce + ServerNonce + ",p=AAAA", SaslFailure.Malformed },                           // proof too short
        { ClientFirst, "c=biws,r=" + ClientNonce + ServerNonce + ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", SaslFailure.Credentials }, // wrong proof
    };

    [Theory]
    [MemberData(nameof(BadExchanges))]
    public async Task Malformed_or_wrong_messages_fail_cleanly(string clientFirst, string? clientFinal, SaslFailure expected)
    {
        var (m, credentials) = Rfc7677();
        var step = await m.StepAsync(B(clientFirst), default);
        if (clientFinal != null)
        {
            Assert.True(step.IsChallenge);
            step = await m.StepAsync(B(clientFinal), default);
        }
        Assert.Equal(expected, step.Failure);
        Assert.Equal(0, credentials.Successes);
        // And nothing after a failure succeeds.
        Assert.False((await m.StepAsync(Array.Empty<byte>(), default)).Succeeded);
    }

    [Fact]
    public async Task Y_flag_is_accepted_when_the_server_offers_no_channel_binding()
    {
        var (m, _) = Rfc7677();
        var first = await m.StepAsync(B("y,,n=user,r=" + ClientNonce), default);
        Assert.True(first.IsChallenge);
    }

    [Fact]
    public async Task Unknown_user_gets_a_stable_made_up_salt_and_fails_at_the_proof()
    {
        var (m1, _) = Rfc7677();
        var (m2, _) = Rfc7677();
        var a = S((await m1.StepAsync(B("n,,n=nobody,r=abc"), default)).Challenge);
        var b = S((await m2.StepAsync(B("n,,n=nobody,r=abc"), default)).Challenge);
        Assert.Equal(a.Split(',')[1], b.Split(',')[1]);   // same s=
        var final = await m1.StepAsync(B("c=biws," + a.Split(',')[0] + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="), default);
        Assert.Equal(SaslFailure.Credentials, final.Failure);
    }

    [Fact]
    public async Task Acknowledgement_must_be_empty()
    {
        var (m, _) = Rfc7677();
        await m.StepAsync(B(ClientFirst), default);
        await m.StepAsync(B(ClientFinal), default);
        Assert.Equal(SaslFailure.Malformed, (await m.StepAsync(B("x"), default)).Failure);
    }

    [Fact]
    public async Task Exchange_framing_bad_base64_and_cancel()
    {
        var store = await SaslTestCredentials.StoreAsync(("ann@example.com", "pw"));
        var auth = new SaslAuthenticator(new StoreCredentials(store));
        var x = auth.Start("scram-sha-256", null)!;
        Assert.Equal(SaslFailure.BadBase64, (await x.StartAsync("%%%", default)).Failure);
        x = auth.Start("SCRAM-SHA-256", null)!;
        Assert.True((await x.StartAsync(null, default)).IsChallenge);
        Assert.Equal(SaslFailure.Cancelled, (await x.ContinueAsync("*", default)).Failure);
        Assert.Null(auth.Start("SCRAM-SHA-1", null));
        Assert.Null(auth.Start("XOAUTH2", null));   // no tokens configured
    }
}
