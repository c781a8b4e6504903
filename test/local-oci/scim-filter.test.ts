import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import type { IdentityDomainsClient, models } from 'oci-identitydomains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, scimClient } from './sdk';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PASSWORD_STATE = 'urn:ietf:params:scim:schemas:oracle:idcs:extension:passwordState:User';
type EmailType = models.UserEmails.Type;

// RFC 7644 section 3.4.2.2 filters, sent by the real oci-identitydomains client (which does not
// encode the query: the filter is percent-encoded here, as the function's adapter does).
describe('local OCI: SCIM filters through the Identity Domains client', () => {
  let oci: LocalOci;
  let scim: IdentityDomainsClient;
  const ids: Record<string, string> = {};

  const names = async (filter: string) => {
    const { users } = await scim.listUsers({ filter: encodeURIComponent(filter) });
    return (users.resources ?? []).map((u) => u.userName).sort();
  };

  beforeAll(async () => {
    // Prepare: three users with work and home e-mails in different domains, one with a password.
    oci = await startLocalOci({ identityDomain: 'Employees' });
    scim = scimClient(oci);
    const people: [string, string, string, string | undefined][] = [
      ['ada@corp.example', 'ada@corp.example', 'ada@home.example', 'Chosen-Passw0rd'],
      ['Grace@corp.example', 'grace@partner.example', 'grace@corp.example', undefined],
      ['linus@corp.example', 'linus@corp.example', 'linus@home.example', undefined],
    ];
    for (const [userName, work, home, password] of people) {
      const { user } = await scim.createUser({
        user: {
          schemas: [USER],
          userName,
          externalId: `E-${userName.slice(0, 3).toUpperCase()}`,
          emails: [
            { value: work, type: 'work' as EmailType, primary: true },
            { value: home, type: 'home' as EmailType },
          ],
          ...(password ? { password } : {}),
        },
      });
      ids[userName.toLowerCase()] = user.id ?? '';
    }
  });
  afterAll(() => oci.stop());

  it('compares userName without case, and id and externalId exactly (caseExact, RFC 7643)', async () => {
    expect(await names('userName eq "GRACE@CORP.EXAMPLE"')).toEqual(['Grace@corp.example']);
    expect(await names(`id eq "${ids['ada@corp.example']}"`)).toEqual(['ada@corp.example']);
    expect(await names(`id eq "${ids['ada@corp.example']?.toUpperCase()}"`)).toEqual([]);
    expect(await names('externalId eq "E-LIN"')).toEqual(['linus@corp.example']);
    expect(await names('externalId eq "e-lin"')).toEqual([]);
  });

  it('negates with not, and orders with gt, ge, lt, le', async () => {
    expect(await names('not (userName sw "ada")')).toEqual(['Grace@corp.example', 'linus@corp.example']);
    expect(await names('userName gt "grace@corp.example"')).toEqual(['linus@corp.example']);
    expect(await names('userName ge "grace@corp.example"')).toEqual(['Grace@corp.example', 'linus@corp.example']);
    expect(await names('userName lt "grace@corp.example"')).toEqual(['ada@corp.example']);
    expect(await names('userName le "grace@corp.example" and not (userName eq "ada@corp.example")')).toEqual(['Grace@corp.example']);
  });

  it('matches a value path on one and the same element of a multi-valued attribute', async () => {
    // Grace's corp address is her home one: work and @corp must hold for the same e-mail.
    expect(await names('emails[type eq "work" and value ew "@corp.example"]')).toEqual(['ada@corp.example', 'linus@corp.example']);
    expect(await names('emails[type eq "home" and value ew "@corp.example"]')).toEqual(['Grace@corp.example']);
    expect(await names('emails[primary eq true and value co "partner"]')).toEqual(['Grace@corp.example']);
    expect(await names('emails.value eq "LINUS@HOME.EXAMPLE"')).toEqual(['linus@corp.example']);
  });

  it('follows URN-qualified attribute paths into an extension', async () => {
    expect(await names(`${PASSWORD_STATE}:lastSuccessfulSetDate pr`)).toEqual(['ada@corp.example']);
    expect(await names(`not (${PASSWORD_STATE}:lastSuccessfulSetDate pr) and userName ew "corp.example"`)).toEqual([
      'Grace@corp.example',
      'linus@corp.example',
    ]);
  });

  it('decodes values as JSON strings, a trailing backslash included', async () => {
    expect(await names('userName eq "ada\\u0040corp.example"')).toEqual(['ada@corp.example']);
    expect(await names('userName eq "ada@corp.example\\\\"')).toEqual([]);
  });

  it('answers 400 invalidFilter for what does not parse', async () => {
    for (const bad of ['userName eq', 'userName zz "a"', '(userName eq "a"', 'userName eq "a" or', 'userName eq "open'])
      expect(await failure(scim.listUsers({ filter: encodeURIComponent(bad) })), bad).toMatchObject({ statusCode: 400 });
  });
});
