using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using DnsClient;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace MailAdmin.Security;

/// <summary>Gives every signature the same key, read from a file (Test-DkimSignature -PublicKeyPath).</summary>
public sealed class FixedDkimKeyLocator : IDkimPublicKeyLocator
{
    private readonly AsymmetricKeyParameter _key;

    public FixedDkimKeyLocator(AsymmetricKeyParameter key) => _key = key ?? throw new ArgumentNullException(nameof(key));

    public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => _key;

    public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        Task.FromResult(_key);
}

/// <summary>
/// Looks the key up in DNS: the TXT record at selector._domainkey.domain (RFC 6376 §3.6.2),
/// asking the given server, or the system's resolvers. No cache: each lookup asks again,
/// so a key just published or revoked is seen at once.
/// </summary>
public sealed class DnsDkimKeyLocator : IDkimPublicKeyLocator
{
    private readonly LookupClient _client;

    /// <param name="server">The DNS server to ask; null for the system's resolvers.</param>
    public DnsDkimKeyLocator(IPEndPoint? server, TimeSpan? timeout = null)
    {
        var options = server == null ? new LookupClientOptions() : new LookupClientOptions(new NameServer(server));
        options.UseCache = false;
        options.Timeout = timeout ?? TimeSpan.FromSeconds(5);
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        _client = new LookupClient(options);
    }

    public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        var name = $"{selector}._domainkey.{domain}";
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, QueryType.TXT, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            throw new DkimKeyLookupException($"The DNS lookup of {name} failed: {ex.Message}", ex);
        }
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
            throw new DkimKeyLookupException($"The DNS lookup of {name} failed: {response.ErrorMessage}.");
        // A TXT record may be split into several strings; the key is their concatenation.
        var records = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
        var key = records.FirstOrDefault(r => r.TrimStart().StartsWith("v=DKIM1", StringComparison.Ordinal))
            ?? records.FirstOrDefault(r => r.Contains("p="));
        if (key == null)
            throw new DkimKeyLookupException($"No DKIM key record at {name}.");
        return DkimKeys.TxtRecordKey.Parse(key, name);
    }
}
