namespace MailAdmin.Store;

/// <summary>An account and the SCRAM-SHA-256 keys of its password.</summary>
public sealed class ScramLogin
{
    public ScramLogin(MailAccount account, ScramCredential credential) { Account = account; Credential = credential; }
    public MailAccount Account { get; }
    public ScramCredential Credential { get; }
}
