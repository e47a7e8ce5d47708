import { describe } from 'vitest';
import { table } from './table.js';

const LABEL_ERROR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('format library', () => {
  table([
    ["format.dns1123Label().validate('my-name').hasValue()", false],
    ["format.dns1123Label().validate('My_Name')", [LABEL_ERROR]],
    [`format.dns1123Label().validate('${'a'.repeat(64)}')`, ['must be no more than 63 characters']],
    ["format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()", false],
    ["format.dns1123Subdomain().validate('-bad.io').hasValue()", true],
    ["format.dns1035Label().validate('1abc').hasValue()", true],
    ["format.dns1035Label().validate('abc-1').hasValue()", false],
    ["format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()", false],
    ["format.qualifiedName().validate('/name')", ['prefix part must be non-empty']],
    ["format.qualifiedName().validate('a/b/c').value().size()", 1],
    ["format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()", false],
    ["format.dns1123SubdomainPrefix().validate('mysubdomain.prefix.-').hasValue()", false],
    ["format.dns1035LabelPrefix().validate('my-label-prefix-').hasValue()", false],
    ["format.labelValue().validate('').hasValue()", false],
    ["format.labelValue().validate('-bad').hasValue()", true],
    ["format.uri().validate('http://example.com').hasValue()", false],
    ["format.uri().validate('../x')", ['parse "../x": invalid URI for request']],
    ["format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()", false],
    ["format.uuid().validate('x')", ['does not match the UUID format']],
    ["format.byte().validate('aGVsbG8=').hasValue()", false],
    ["format.byte().validate('aGVsbG8')", ['invalid base64']],
    ["format.date().validate('2021-01-01').hasValue()", false],
    ["format.date().validate('2021-02-30')", ['invalid date']],
    ["format.datetime().validate('2021-01-01T00:00:00Z').hasValue()", false],
    ["format.datetime().validate('2021-01-01')", ['invalid datetime']],
    ["format.named('dns1123Label').value().validate('ok').hasValue()", false],
    ["format.named('nope').hasValue()", false],
  ]);
});
