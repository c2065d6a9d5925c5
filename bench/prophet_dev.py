# Prophet + country holidays on the dev windows (skip-last k) and the official hold-out, README convention.
import os, logging, json
import pandas as pd
from prophet import Prophet
logging.getLogger('cmdstanpy').setLevel(logging.ERROR); logging.getLogger('prophet').setLevel(logging.ERROR)
R=os.environ.get('REAL_DATA','../shared/data/real'); OUT=os.environ.get('OUT','/tmp/refs'); os.makedirs(OUT,exist_ok=True)
S={'kiel_bakery':'DE','peyton_manning':'US','traffic_i94_daily':'US','kiel_brot':'DE','kiel_broetchen':'DE','kiel_croissant':'DE','kiel_konditorei':'DE','kiel_kuchen':'DE'}
out={}
for s,c in S.items():
    df=pd.read_csv(f'{R}/{s}.csv',parse_dates=['date'])
    for k in [0,185,277,370,462]:
        d=df[df.date<=df.date.max()-pd.Timedelta(days=k)]
        last=d.date.max(); cut=last-pd.Timedelta(days=185)
        tr=d[d.date<=cut]; te=d[d.date>cut]
        yy=dict(zip(tr.date,tr.y))
        sc=[abs(v-yy[t-pd.Timedelta(days=7)]) for t,v in yy.items() if t-pd.Timedelta(days=7) in yy]
        scale=sum(sc)/len(sc)
        m=Prophet(); m.add_country_holidays(country_name=c)
        m.fit(tr.rename(columns={'date':'ds'})[['ds','y']])
        p=m.predict(te.rename(columns={'date':'ds'})[['ds']])
        mae=float((te.y.values-p.yhat.values).__abs__().mean())
        cov=float(((te.y.values>=p.yhat_lower.values)&(te.y.values<=p.yhat_upper.values)).mean())
        out[f'{s}:{k}']=(mae/scale,cov)
        print(s,k,round(mae/scale,3),round(cov,3),flush=True)
json.dump(out,open(f'{OUT}/prophet_dev.json','w'))
