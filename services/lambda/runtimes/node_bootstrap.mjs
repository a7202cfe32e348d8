// fogbank's Node.js runtime: the loop AWS's runtime interface client runs, over the Lambda
// Runtime API that fogbank serves. Started in the function's task directory with
// _HANDLER=file.export and AWS_LAMBDA_RUNTIME_API=host:port/prefix. Handlers may be CommonJS or
// ES modules (.js, .cjs, .mjs), async or callback style.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const slash = api.indexOf('/');
const hostPort = slash < 0 ? api : api.slice(0, slash);
const prefix = (slash < 0 ? '' : api.slice(slash)) + '/2018-06-01/runtime';
const colon = hostPort.lastIndexOf(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)),
      method, path: prefix + urlPath, agent, headers,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function errorPayload(err, type) {
  const isError = err instanceof Error;
  return {
    errorType: type || (isError ? err.name : 'Error'),
    errorMessage: isError ? err.message : (typeof err === 'string' ? err : JSON.stringify(err)),
    trace: isError && err.stack ? err.stack.split('\n') : [],
  };
}

async function postError(urlPath, payload) {
  await call('POST', urlPath, JSON.stringify(payload), {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Function-Error-Type': payload.errorType,
  });
}

async function initError(type, message) {
  await postError('/init/error', { errorType: type, errorMessage: message, trace: [] });
  process.exit(1);
}

async function loadHandler() {
  const handler = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) return initError('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  const modulePath = handler.slice(0, dot);
  const names = handler.slice(dot + 1).split('.');
  const base = path.resolve(root, modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    return initError('Runtime.ImportModuleError',
      `Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${root}`);
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    const type = err instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    return initError(type, `${err.name}: ${err.message}`);
  }
  let fn = mod;
  for (const n of names) fn = fn?.[n] ?? fn?.default?.[n];
  if (typeof fn !== 'function') {
    return initError('Runtime.HandlerNotFound', `${modulePath}.${names.join('.')} is undefined or not exported`);
  }
  return fn;
}

// Runs the handler to completion: its promise, or its callback when it takes one and returns
// no promise.
function run(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err); else resolve(result);
    };
    context.done = callback;
    context.succeed = (r) => callback(null, r);
    context.fail = (e) => callback(e ?? 'handled');
    let out;
    try {
      out = fn(event, context, callback);
    } catch (err) {
      callback(err);
      return;
    }
    if (out && typeof out.then === 'function') out.then((r) => callback(null, r), (e) => callback(e));
    else if (fn.length < 3) callback(null, out);
  });
}

const fn = await loadHandler();
for (;;) {
  let next;
  try {
    next = await call('GET', '/invocation/next');
  } catch {
    await new Promise((r) => setTimeout(r, 50));
    continue;
  }
  if (next.res.statusCode !== 200) {
    await new Promise((r) => setTimeout(r, 50));
    continue;
  }
  const h = next.res.headers;
  const requestId = h['lambda-runtime-aws-request-id'];
  const deadline = Number(h['lambda-runtime-deadline-ms'] || 0);
  process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'] || '';
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: h['lambda-runtime-client-context'] ? JSON.parse(h['lambda-runtime-client-context']) : undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let result;
  try {
    const text = next.body.toString('utf8');
    result = await run(fn, text ? JSON.parse(text) : {}, context);
  } catch (err) {
    const payload = errorPayload(err);
    console.error(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(payload)}`);
    await postError(`/invocation/${requestId}/error`, payload);
    continue;
  }
  const body = result === undefined ? 'null' : JSON.stringify(result);
  await call('POST', `/invocation/${requestId}/response`, body, { 'Content-Type': 'application/json' });
}
