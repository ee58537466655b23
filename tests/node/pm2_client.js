'use strict'
// Drives the published card-wallet client, @pm2/js-api, against the server at BASE, as an app
// would: its standalone strategy signs in with REFRESH_TOKEN (the first refresh token of the
// session, which it will use for every later refresh too), then it reads the user, updates it,
// asks for an OTP secret and shows the user's public data. It prints "expire" and waits for a
// line on stdin, while tests/tests/pm2_client.rs moves the server's clock past the access
// token's hour; then it reads the user again (a 401, a refresh with the same first token, a
// retry) and prints one line: "result " and a JSON report of what it saw.
const Keymetrics = require('@pm2/js-api')
const readline = require('readline')

const lines = readline.createInterface({ input: process.stdin })
const nextLine = () => new Promise(resolve => lines.once('line', resolve))

async function main () {
  const base = process.env.BASE
  const km = new Keymetrics({ services: { API: base, OAUTH: base } })

  // what the client does on the wire: each response's method, path and status
  const requests = []
  const record = (config, status) => {
    const path = new URL(config.url, config.baseURL || base).pathname
    requests.push(`${config.method.toUpperCase()} ${path} ${status}`)
  }
  km._network._extrareqp2.interceptors.response.use(
    res => { record(res.config, res.status); return res },
    err => { if (err.response) record(err.config, err.response.status); return Promise.reject(err) }
  )
  // which refresh token each token grant was made with
  const grants = []
  const retrieveToken = km.auth.retrieveToken
  km.auth.retrieveToken = (opts) => { grants.push(opts.refresh_token); return retrieveToken(opts) }

  km.use('standalone', { refresh_token: process.env.REFRESH_TOKEN, client_id: 'pm2-js-api-test' })
  const me = (await km.user.retrieve()).data
  const updated = (await km.user.update({ username: 'lea-pm2', info: { company: 'Keymetrics' } })).data
  const otp = (await km.user.otp.retrieve()).data
  const shown = (await km.user.show(me._id)).data

  console.log('expire')
  await nextLine()
  const after = (await km.user.retrieve()).data

  const report = { me, updated, otpFields: Object.keys(otp).sort(), shown, after, grants, requests }
  console.log('result ' + JSON.stringify(report))
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error('pm2 client failed:', e && e.response ? `${e.response.status} ${JSON.stringify(e.response.data)}` : e)
    process.exit(1)
  }
)
