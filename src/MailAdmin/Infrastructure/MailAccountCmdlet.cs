using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Store;

namespace MailAdmin.Commands;

/// <summary>Base of the account commands: the store to work on, and address patterns.</summary>
public abstract class MailAccountCmdlet : MailStoreCmdlet
{
    protected const string PasswordSet = "Password";
    protected const string CredentialSet = "Credential";

    /// <summary>The accounts whose address matches a pattern; a plain address that matches nothing is an error.</summary>
    protected IEnumerable<MailAccount> MatchAccounts(IEnumerable<string>? patterns)
    {
        IReadOnlyList<MailAccount> all = new MailAccount[0];
        var store = Store; // resolved here, on the pipeline thread
        RunAsync(async token => all = await store.Accounts.ListAsync(token).ConfigureAwait(false));
        if (patterns == null)
            return all;
        var result = new List<MailAccount>();
        foreach (var pattern in patterns)
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matches = all.Where(a => wildcard.IsMatch(a.Address)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                WriteError(new ItemNotFoundException($"No mail account '{pattern}'."), "MailAccountNotFound", ErrorCategory.ObjectNotFound, pattern);
            result.AddRange(matches.Where(m => !result.Contains(m)));
        }
        return result;
    }
}
