namespace MailAdmin.Protocols.Sasl;

/// <summary>
/// The one identity rule of every protocol: a client may name an authorization identity (PLAIN's authzid,
/// SCRAM's and OAUTHBEARER's "a=") only to act as itself. Account names are addresses, which the store keeps
/// trimmed and lower-case, so the comparison is made on that form (IMAP, POP3 and SMTP used to differ here).
/// </summary>
public static class SaslIdentity
{
    public static bool MayActAs(string? authorizationId, string authenticationId)
        => string.IsNullOrEmpty(authorizationId) || Normalize(authorizationId!) == Normalize(authenticationId);

    private static string Normalize(string name) => name.Trim().ToLowerInvariant();
}
