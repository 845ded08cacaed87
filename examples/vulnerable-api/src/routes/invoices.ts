// Invoices of the signed-in user's organization.
import { db, type Invoice } from '../db.js';
import { HttpError, Router, type Request, type Response } from '../router.js';
import { authenticate } from '../session.js';

export const invoiceRouter = new Router();

invoiceRouter.get('/', authenticate, async (req: Request, res: Response) => {
  const invoices = await db.invoice.findMany({ where: { organizationId: req.user.organizationId } });
  res.json(invoices);
});

// FLAW (SQL injection): the status filter is pasted into the SQL text.
invoiceRouter.get('/search', authenticate, async (req: Request, res: Response) => {
  const sql = "SELECT * FROM invoices WHERE organization_id = '" + req.user.organizationId + "' AND status = '" + req.query.status + "'";
  res.json(await db.query(sql));
});

// FLAW (missing tenant filter): invoices of other organizations are readable by id.
invoiceRouter.get('/:id', authenticate, async (req: Request, res: Response) => {
  const invoice = await db.invoice.findFirst({ where: { id: req.params.id } });
  if (!invoice) throw new HttpError(404, 'Invoice not found');
  res.json(invoice);
});

// FLAW (missing tenant filter): ...and writable.
invoiceRouter.patch('/:id', authenticate, async (req: Request, res: Response) => {
  const status = req.body.status === 'paid' ? 'paid' : 'open';
  const invoice = await db.invoice.update({
    where: {
      id: req.params.id,
    },
    data: { status },
  });
  res.json(invoice);
});

// FLAW (code injection): the discount formula is evaluated as JavaScript, e.g. "total * 0.9".
invoiceRouter.post('/:id/quote', authenticate, async (req: Request, res: Response) => {
  const invoice: Invoice | null = await db.invoice.findFirst({
    where: { id: req.params.id, organizationId: req.user.organizationId },
  });
  if (!invoice) throw new HttpError(404, 'Invoice not found');
  const total = invoice.total;
  const formula = String(req.body.formula ?? 'total');
  const quoted = Number(eval(formula));
  res.json({ id: invoice.id, total, quoted });
});
